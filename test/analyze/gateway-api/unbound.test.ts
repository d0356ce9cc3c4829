/**
 * A target group the controller built for a Gateway whose TargetGroupBinding is gone (deleted by
 * hand, or the controller failed to write it): the resource tag still names the Service, so the
 * health-check rules keep their evidence and BIND001 says which Gateway owns the binding.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analyze } from "../../../lib/analyze";
import { buildModel } from "../../../lib/analyze/model";
import { parseSnapshot } from "../../../lib/snapshot/read";
import type { SnapshotInput } from "../../../lib/snapshot/schema";

const example = (): SnapshotInput =>
  JSON.parse(
    readFileSync(
      new URL("../../../examples/20-gateway-api-tgc-not-applied.json", import.meta.url),
      "utf8",
    ),
  ) as SnapshotInput;

const unbound = () => {
  const input = example();
  input.kubernetes.targetGroupBindings = [];
  return parseSnapshot(input);
};

describe("a Gateway's target group without a binding", () => {
  it("is joined to the Service and port its resource tag names", () => {
    const [tgv] = buildModel(unbound()).targetGroups;
    expect(tgv?.manager).toBe("gateway");
    expect(tgv?.binding).toBeUndefined();
    expect(tgv?.namespace).toBe("orders");
    expect(tgv?.service?.metadata.name).toBe("orders-api");
    expect(tgv?.servicePort?.port).toBe(80);
    expect(tgv?.tgcHealthCheck?.status).toBe("declared");
  });

  it("keeps the health-check findings and their TargetGroupConfiguration fix, and BIND001 names the Gateway", () => {
    const findings = analyze(unbound()).findings;
    expect(findings.map((f) => f.code).sort()).toEqual(["BIND001", "HC001", "HC005"]);
    const hc001 = findings.find((f) => f.code === "HC001")!;
    expect(hc001.remediation).toContain(
      "kubectl -n orders patch targetgroupconfigurations.gateway.k8s.aws orders-api --type=merge",
    );
    const bind = findings.find((f) => f.code === "BIND001")!;
    expect(bind.remediation).toContain(
      "The controller creates this binding itself for Gateway orders/orders-gw",
    );
    expect(bind.remediation).toContain(
      "kubectl -n orders describe gateways.gateway.networking.k8s.io orders-gw",
    );
    expect(bind.remediation).toMatch(/serviceRef:\n {4}name: orders-api\n {4}port: 80\n/);
  });
});
