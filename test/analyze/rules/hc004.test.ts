import { describe, expect, it } from "vitest";
import { buildModel } from "../../../lib/analyze/model";
import { healthCheckPortStale as rule } from "../../../lib/analyze/rules/hc004-health-check-port-stale";
import type { Snapshot, SnapshotInput } from "../../../lib/snapshot/schema";
import {
  APP_TG_ARN,
  GW_TG_ARN,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  snapshotOf,
  tgs,
} from "../../support/scenarios";
import { guard } from "../../support/guarded-model";

const run = (snapshot: Snapshot) =>
  guard(rule).check({ model: buildModel(snapshot), prior: [], rules: [] });

const PORT_KEY = "alb.ingress.kubernetes.io/healthcheck-port";

/** The group checks `port`; targets time out unless `healthy`. */
function checkPort(s: SnapshotInput, port: number, healthy = false) {
  const tg = tgs(s)[0]!;
  tg.HealthCheckPort = String(port);
  for (const d of tg.TargetHealthDescriptions!) {
    d.HealthCheckPort = String(port);
    if (!healthy) {
      d.TargetHealth = {
        State: "unhealthy",
        Reason: "Target.Timeout",
        Description: "Request timed out",
      };
    }
  }
}

/** The gateway Service was re-created: status-port got a new nodePort, the annotation kept 30218. */
function recreated(s: SnapshotInput) {
  checkPort(s, 30218);
  k8s(s).services[0]!.metadata.annotations![PORT_KEY] = "30218";
}

describe("HC004 HealthCheckPortStale", () => {
  it("stays quiet on both healthy baselines", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
  });

  it("fires critical for a nodePort the Service no longer has, and says where it is declared", () => {
    const [f, ...rest] = run(snapshotOf(healthyInstanceGatewayInput(), recreated));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      code: "HC004",
      name: "HealthCheckPortStale",
      severity: "critical",
      targetGroupArn: GW_TG_ARN,
    });
    expect(f!.title).toContain("k8s-istiosys-gw-1234567890");
    expect(f!.title).toContain("30218");
    expect(f!.affectedTargets).toHaveLength(3);
    expect(f!.evidence.expected).toMatchObject({ port: 31127 });
    expect(f!.evidence.expected.nodePorts).toContain("status-port (15021 → 15021, nodePort 31127)");
    expect(f!.evidence.actual).toMatchObject({
      healthCheckPort: 30218,
      declaredIn: ["Service istio-system/istio-ingressgateway"],
    });
    expect(f!.rootCause).toContain("re-created");
    expect(f!.remediation).toContain(`${PORT_KEY}: "31127"`);
    expect(f!.remediation).toMatch(
      /- name: status-port\n {4}port: 15021\n {4}targetPort: 15021\n {4}nodePort: 31127\n/,
    );
  });

  it("fires as a warning while targets still pass (latent drift)", () => {
    const [f] = run(snapshotOf(healthyInstanceGatewayInput(), (s) => checkPort(s, 30218, true)));
    expect(f).toMatchObject({ code: "HC004", severity: "warning", affectedTargets: [] });
    expect(f!.rootCause).toContain("still pass");
  });

  it("tells to clean a stale number left on the Ingress", () => {
    const [f] = run(
      snapshotOf(healthyInstanceGatewayInput(), (s) => {
        checkPort(s, 30218);
        delete k8s(s).services[0]!.metadata.annotations;
        k8s(s).ingresses[0]!.metadata.annotations![PORT_KEY] = "30218";
      }),
    );
    expect(f!.evidence.actual.declaredIn).toEqual(["Ingress istio-system/gateway"]);
    expect(f!.remediation).toContain("Annotate Service istio-system/istio-ingressgateway");
    expect(f!.remediation).toContain(
      `stale ${PORT_KEY} annotation on Ingress istio-system/gateway`,
    );
  });

  it("stays quiet when the fixed port is another current nodePort of the Service", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput(), (s) => checkPort(s, 31253)))).toEqual([]);
  });

  it("fires in ip mode for a port the pods do not serve, with the container port as fix", () => {
    const [f] = run(snapshotOf(healthyIpAppInput(), (s) => checkPort(s, 8081)));
    expect(f).toMatchObject({ code: "HC004", severity: "critical", targetGroupArn: APP_TG_ARN });
    expect(f!.evidence.expected).toMatchObject({ port: 8080 });
    expect(f!.evidence.expected.containerPorts).toContain(8080);
    expect(f!.remediation).toContain(`${PORT_KEY}: "8080"`);
    expect(f!.remediation).not.toContain("nodePort");
  });

  it("counts a probe port the pods serve without declaring it (Istio's agent) as current", () => {
    expect(run(snapshotOf(healthyIpAppInput(), (s) => checkPort(s, 15020)))).toEqual([]);
  });

  it("does not judge traffic-port, which follows the Service", () => {
    const snapshot = snapshotOf(healthyInstanceGatewayInput(), (s) => {
      checkPort(s, 31246);
      tgs(s)[0]!.HealthCheckPort = "traffic-port";
    });
    expect(run(snapshot)).toEqual([]);
  });
});
