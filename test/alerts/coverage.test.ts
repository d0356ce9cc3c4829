import { describe, expect, it } from "vitest";
import { coverageOf } from "../../lib/alerts/coverage";
import { covers } from "../../lib/alerts/decide";
import { analyze, analyzeModel } from "../../lib/analyze/index";
import { buildModel } from "../../lib/analyze/model";
import type { Snapshot } from "../../lib/snapshot/schema";
import { k8s } from "../support/scenarios";
import { APP_TG_ARN, GW_TG_ARN, breakGateway, snapshotWith } from "./scenarios";

/** Coverage as the Lambda computes it: from the audit's model and the findings it silenced. */
const auditCoverage = (snapshot: Snapshot, scope?: string[]) => {
  const model = buildModel(snapshot);
  return coverageOf(model, analyzeModel(model).suppressed, scope);
};

const coverageFor = (...edits: Parameters<typeof snapshotWith>) => {
  const snapshot = snapshotWith(...edits);
  return { coverage: auditCoverage(snapshot), snapshot };
};

describe("coverageOf", () => {
  it("sees everything when nothing was missing", () => {
    const { coverage } = coverageFor(breakGateway, (s) => {
      (s.kubernetes as Record<string, unknown>).events = [];
      Object.assign(s.aws, {
        instances: [],
        networkInterfaces: [],
        securityGroups: [],
        subnets: [],
        networkAcls: [],
      });
    });
    expect(coverage.blockedCodes.size).toBe(0);
    expect(coverage.unauditedTargetGroups.size).toBe(0);
    expect(coverage.targetGroupsListed).toBe(true);
    expect(coverage.scope).toBeUndefined();
    expect(coverage.suppressed.size).toBe(0);
  });

  it("holds the network codes of a snapshot without EC2 lists (not run is not resolved)", () => {
    const { coverage } = coverageFor(breakGateway, (s) => {
      (s.kubernetes as Record<string, unknown>).events = [];
    });
    expect([...coverage.blockedCodes].sort()).toEqual(["NET001", "NET002", "NET003"]);
    expect(covers(coverage, { code: "NET001", targetGroupArn: GW_TG_ARN })).toBe(false);
  });

  it("names a target group whose health could not be read", () => {
    const { coverage } = coverageFor((s) => {
      s.gaps = [
        {
          source: "aws.targetGroups",
          targetGroupArn: GW_TG_ARN,
          message: "DescribeTargetHealth failed: ThrottlingException: Rate exceeded",
        },
      ];
    });
    expect([...coverage.unauditedTargetGroups]).toEqual([GW_TG_ARN]);
    expect(coverage.targetGroupsListed).toBe(true);
    expect(covers(coverage, { code: "HC001", targetGroupArn: GW_TG_ARN })).toBe(false);
    expect(covers(coverage, { code: "TGT005", targetGroupArn: APP_TG_ARN })).toBe(true);
  });

  it("holds the findings of a group the health prefilter did not list", () => {
    const { coverage } = coverageFor((s) => {
      const tg = s.aws.targetGroups!.find((t) => t.TargetGroupArn === GW_TG_ARN)!;
      tg.TargetHealthDescriptions = [];
      Object.assign(tg, {
        HealthSource: "cloudwatch-prefilter",
        CloudWatchHealth: { UnHealthyHostCount: 0, HealthyHostCount: 3 },
      });
    });
    expect([...coverage.unauditedTargetGroups]).toEqual([GW_TG_ARN]);
    expect(covers(coverage, { code: "TGT001", targetGroupArn: GW_TG_ARN })).toBe(false);
  });

  it("knows no target group when their list could not be read", () => {
    const { coverage } = coverageFor((s) => {
      s.gaps = [{ source: "aws.targetGroups", message: "AccessDenied" }];
    });
    expect(coverage.targetGroupsListed).toBe(false);
  });

  it("lists the rules a Kubernetes gap kept from running, never AUDIT001", () => {
    const { coverage } = coverageFor((s) => {
      k8s(s).pods = [];
      s.gaps = [{ source: "kubernetes.pods", message: "no answer within 30s (timeout)" }];
    });
    expect(coverage.blockedCodes.has("MESH002")).toBe(true);
    expect(coverage.blockedCodes.has("HC001")).toBe(true);
    expect(coverage.blockedCodes.has("AUDIT001")).toBe(false);
  });

  it("finds the fingerprints an ignore annotation silenced", () => {
    const open = analyze(snapshotWith(breakGateway)).findings[0]!;
    const { coverage, snapshot } = coverageFor(breakGateway, (s) => {
      k8s(s).services[0]!.metadata.annotations!["alb-health-auditor/ignore"] = "HC001";
    });
    expect(analyze(snapshot).findings).toEqual([]);
    expect([...coverage.suppressed]).toEqual([open.fingerprint]);
  });

  it("carries the target groups a limited run was asked for", () => {
    const snapshot = snapshotWith();
    const coverage = auditCoverage(snapshot, [APP_TG_ARN]);
    expect(covers(coverage, { code: "HC001", targetGroupArn: GW_TG_ARN })).toBe(false);
    expect(covers(coverage, { code: "HC001", targetGroupArn: APP_TG_ARN })).toBe(true);
  });
});

describe("coverageOf: a gap in a list the join reads", () => {
  const gap = (source: string) => (s: Parameters<Parameters<typeof snapshotWith>[0]>[0]) => {
    s.gaps = [{ source, message: "forbidden (403)" }];
  };

  it("makes every group's join uncertain when the bindings or the Services could not be read", () => {
    for (const source of ["kubernetes.targetGroupBindings", "kubernetes.services"]) {
      const { coverage } = coverageFor(gap(source));
      expect([...coverage.joinUncertainTargetGroups].sort(), source).toEqual(
        [APP_TG_ARN, GW_TG_ARN].sort(),
      );
      expect(covers(coverage, { code: "TGT003", targetGroupArn: APP_TG_ARN })).toBe(false);
    }
  });

  it("only the groups without a binding when the Ingresses alone could not be read", () => {
    const { coverage, snapshot } = coverageFor(gap("kubernetes.ingresses"), (s) => {
      k8s(s).targetGroupBindings = k8s(s).targetGroupBindings.filter(
        (b) => b.spec?.targetGroupARN !== GW_TG_ARN,
      );
    });
    expect(snapshot.kubernetes.targetGroupBindings.map((b) => b.spec?.targetGroupARN)).toEqual([
      APP_TG_ARN,
    ]);
    expect([...coverage.joinUncertainTargetGroups]).toEqual([GW_TG_ARN]);
  });

  it("is certain when the join's lists were read", () => {
    const { coverage } = coverageFor(gap("kubernetes.pods"));
    expect(coverage.joinUncertainTargetGroups.size).toBe(0);
  });
});
