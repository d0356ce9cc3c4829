/**
 * Precision: realistic healthy or differently-broken configurations on which the engine must
 * stay quiet or say exactly the right thing (a false alarm at 3 a.m. is a bug).
 */
import { describe, expect, it } from "vitest";
import { analyze } from "../../lib/analyze";
import type { SnapshotInput } from "../../lib/snapshot/schema";
import { APP_TG_ARN, healthyIpAppInput, snapshotOf, target, tgs } from "../support/scenarios";

const codes = (input: SnapshotInput, edit?: (s: SnapshotInput) => void) =>
  analyze(snapshotOf(input, edit)).findings.map((f) => `${f.code} ${f.targetGroupArn ?? ""}`);

const OTHER_TG_ARN = APP_TG_ARN.replace("bbbbbbbbbbbbbbbb", "cccccccccccccccc");

describe("precision", () => {
  it("ignores another cluster's target group that carries the same stack tags", () => {
    // Staging and prod run the same manifests in one account: the staging controller's group
    // names shop/cart too, but its health is the staging pods', not ours.
    const found = codes(healthyIpAppInput(), (s) => {
      const other = structuredClone(tgs(s)[0]!);
      other.TargetGroupArn = OTHER_TG_ARN;
      other.Tags = other.Tags!.map((t) =>
        t.Key === "elbv2.k8s.aws/cluster" ? { ...t, Value: "shop-staging" } : t,
      );
      other.HealthCheckPath = "/";
      other.TargetHealthDescriptions = [
        target(
          "10.9.1.1",
          8080,
          "unhealthy",
          "Target.ResponseCodeMismatch",
          "Health checks failed with these codes: [404]",
        ),
      ];
      tgs(s).push(other);
    });
    expect(found).toEqual([]);
  });
});
