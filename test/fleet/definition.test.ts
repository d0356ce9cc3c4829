import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FleetError, parseFleet, parseFleetText } from "../../lib/fleet/definition";
import { planFleet } from "../../lib/fleet/plan";

const example = readFileSync(new URL("../../infra/fleet.example.yml", import.meta.url), "utf8");

const problem = (input: unknown, options = {}) => {
  try {
    parseFleet(input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(FleetError);
    return (error as Error).message;
  }
  throw new Error("accepted");
};

const cluster = (over: Record<string, unknown> = {}) => ({
  name: "prod",
  account: "111111111111",
  region: "eu-west-1",
  roleArn: "arn:aws:iam::111111111111:role/auditor",
  ...over,
});

describe("fleet definition", () => {
  it("reads the bundled example: three clusters in two accounts and two regions, roles resolved", () => {
    const fleet = parseFleetText(example, { source: "infra/fleet.example.yml" });
    expect(fleet.clusters).toEqual([
      {
        name: "shop-prod",
        account: "111111111111",
        region: "eu-west-1",
        roleArn: "arn:aws:iam::111111111111:role/alb-health-auditor-member",
      },
      {
        name: "shop-prod",
        account: "111111111111",
        region: "us-east-1",
        roleArn: "arn:aws:iam::111111111111:role/alb-health-auditor-member",
      },
      {
        name: "payments",
        account: "222222222222",
        region: "eu-west-1",
        roleArn: "arn:aws:iam::222222222222:role/platform/alb-health-auditor-member",
      },
    ]);
    expect(planFleet(fleet).map((g) => [g.account, g.region, g.clusters.length])).toEqual([
      ["111111111111", "eu-west-1", 1],
      ["111111111111", "us-east-1", 1],
      ["222222222222", "eu-west-1", 1],
    ]);
  });

  it("groups clusters by account and region, keeping the definition's order inside a group", () => {
    const fleet = parseFleet({
      clusters: [
        cluster({ name: "b" }),
        cluster({ name: "x", account: "999999999999", roleArn: undefined }),
        cluster({ name: "a" }),
      ],
      defaults: { roleName: "member" },
    });
    expect(planFleet(fleet).map((g) => [g.account, g.clusters.map((c) => c.name)])).toEqual([
      ["111111111111", ["b", "a"]],
      ["999999999999", ["x"]],
    ]);
  });

  it.each([
    [{ clusters: [] }, "clusters: must list at least one cluster"],
    [{}, "clusters: is required"],
    [
      { clusters: [cluster({ account: 111111111111 })] },
      "clusters[0] (prod).account: Expected string, received number",
    ],
    [
      { clusters: [cluster({ account: "1111" })] },
      "clusters[0] (prod).account: must be a 12-digit AWS account id (quote it in YAML)",
    ],
    [
      { clusters: [cluster(), cluster({ name: "x", region: "mars-1" })] },
      "clusters[1] (x).region: is not an AWS region",
    ],
    [
      { clusters: [cluster({ name: "bad name" })] },
      "clusters[0] (bad name).name: is not a valid EKS cluster name",
    ],
    [{ clusters: [cluster({ role: "x" })] }, "clusters[0] (prod): unknown field(s) role"],
    [
      { clusters: [cluster({ roleArn: "arn:aws:iam::222222222222:role/a" })] },
      "clusters[0] (prod): roleArn is in account 222222222222, the cluster in 111111111111",
    ],
    [
      { clusters: [cluster(), cluster()] },
      "clusters[1] (prod): the same cluster as clusters[0] (111111111111/eu-west-1/prod)",
    ],
    [
      { clusters: [cluster({ roleArn: undefined })] },
      "clusters[0] (prod): roleArn is required (or defaults.roleName)",
    ],
  ])("rejects %j with one line naming the entry", (input, message) => {
    expect(problem(input, {})).toBe(message);
  });

  it("names the source and the line of a YAML syntax error without echoing the text", () => {
    const text = "clusters:\n  - name: a\n   account: 'secret-looking-value\n";
    let message = "";
    try {
      parseFleetText(text, { source: "fleet.yml" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^fleet\.yml: not valid YAML at line \d+$/);
    expect(message).not.toContain("secret-looking-value");
  });
});
