import { describe, expect, it } from "vitest";
import { buildModel } from "../../../lib/analyze/model";
import {
  healthCheckCodeMismatch as rule,
  matcherFor,
  reportedCodes,
} from "../../../lib/analyze/rules/hc006-health-check-code-mismatch";
import type { Snapshot, SnapshotInput } from "../../../lib/snapshot/schema";
import {
  APP_TG_ARN,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  snapshotOf,
  tgs,
} from "../../support/scenarios";
import { guard } from "../../support/guarded-model";

const run = (snapshot: Snapshot) =>
  guard(rule).check({ model: buildModel(snapshot), prior: [], rules: [] });

const SUCCESS_CODES = "alb.ingress.kubernetes.io/success-codes";

/** Every target of the first group fails with the given codes (Target.ResponseCodeMismatch). */
const answers =
  (codes: string, matcher?: string) =>
  (s: SnapshotInput): void => {
    const tg = tgs(s)[0]!;
    if (matcher) tg.Matcher = { HttpCode: matcher };
    for (const d of tg.TargetHealthDescriptions!) {
      d.TargetHealth = {
        State: "unhealthy",
        Reason: "Target.ResponseCodeMismatch",
        Description: `Health checks failed with these codes: [${codes}]`,
      };
    }
  };

describe("HC006 HealthCheckCodeMismatch", () => {
  it("stays quiet on both healthy baselines", () => {
    expect(run(snapshotOf(healthyInstanceGatewayInput()))).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput()))).toEqual([]);
  });

  it("fires critical when ready pods answer 204 and only 200 is a success", () => {
    const [f, ...rest] = run(snapshotOf(healthyIpAppInput(), answers("204")));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      code: "HC006",
      name: "HealthCheckCodeMismatch",
      severity: "critical",
      targetGroupArn: APP_TG_ARN,
    });
    expect(f!.title).toContain("k8s-shop-cart-0987654321");
    expect(f!.affectedTargets).toHaveLength(2);
    expect(f!.evidence.expected).toMatchObject({
      successCodes: "200",
      port: 8080,
      path: "/ready",
      protocol: "HTTP",
    });
    expect(f!.evidence.actual).toMatchObject({ reportedCodes: [204], path: "/ready" });
    expect(f!.rootCause).toContain("Service shop/cart");
    expect(f!.remediation).toContain("Annotate Service shop/cart");
    expect(f!.remediation).toContain(`${SUCCESS_CODES}: "200,204"`);
  });

  it("passes a code list to the AWS CLI as JSON for a group no controller manages", () => {
    const [f] = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        answers("204")(s);
        tgs(s)[0]!.Tags = [];
      }),
    );
    expect(f?.remediation).toContain(
      `aws elbv2 modify-target-group --target-group-arn ${APP_TG_ARN} --matcher '{"HttpCode":"200,204"}'`,
    );
  });

  it("widens a range matcher to cover a redirect the probe accepts", () => {
    const [f] = run(snapshotOf(healthyInstanceGatewayInput(), answers("301", "200-299")));
    expect(f?.evidence.expected.successCodes).toBe("200-299");
    expect(f?.remediation).toContain(`${SUCCESS_CODES}: "200-301"`);
  });

  it("sends a 404 to the endpoint first, success codes only as a fallback", () => {
    const [f] = run(snapshotOf(healthyIpAppInput(), answers("404")));
    expect(f?.remediation).toMatch(/^Make \/ready answer 200 to the load balancer's check/);
    expect(f?.remediation).toContain(`${SUCCESS_CODES}: "200,404"`);
  });

  it("offers no success codes for a 5xx, which an ALB cannot accept", () => {
    const [f] = run(snapshotOf(healthyIpAppInput(), answers("503")));
    expect(f?.evidence.actual.reportedCodes).toEqual([503]);
    expect(f?.remediation).not.toContain(SUCCESS_CODES);
  });

  it("stays quiet when the reported codes are inside the matcher", () => {
    expect(run(snapshotOf(healthyIpAppInput(), answers("204", "200-299")))).toEqual([]);
  });

  it("stays quiet when one target is healthy", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      answers("204")(s);
      tgs(s)[0]!.TargetHealthDescriptions![1]!.TargetHealth = { State: "healthy" };
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("leaves a wrong path to HC002", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      answers("404")(s);
      tgs(s)[0]!.HealthCheckPath = "/";
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("stays quiet when no endpoint is ready: the service itself is down", () => {
    const snapshot = snapshotOf(healthyIpAppInput(), (s) => {
      answers("503")(s);
      for (const ep of k8s(s).endpointSlices[0]!.endpoints!) ep.conditions = { ready: false };
    });
    expect(run(snapshot)).toEqual([]);
  });

  it("reads codes from AWS's description and spells code sets AWS accepts", () => {
    expect(reportedCodes("Health checks failed with these codes: [404, 503]")).toEqual([404, 503]);
    expect(reportedCodes("Health checks failed")).toEqual([]);
    expect(matcherFor(new Set([200]))).toBe("200");
    expect(matcherFor(new Set([200, 201, 202]))).toBe("200-202");
    expect(matcherFor(new Set([200, 204]))).toBe("200,204");
  });
});
