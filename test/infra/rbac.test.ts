import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listedResources } from "../../lib/collect/kubernetes";
import { parseSimpleYaml } from "./simple-yaml";

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  [extra: string]: unknown;
}
interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  rules?: Rule[];
  roleRef?: { apiGroup: string; kind: string; name: string };
  subjects?: { apiGroup: string; kind: string; name: string }[];
}

const GROUP = "alb-health-auditor-readers";
const docs = parseSimpleYaml(readFileSync("infra/rbac.yaml", "utf8")) as Doc[];
const role = docs.find((d) => d.kind === "ClusterRole")!;
const binding = docs.find((d) => d.kind === "ClusterRoleBinding")!;

describe("infra/rbac.yaml", () => {
  it("holds one ClusterRole and one ClusterRoleBinding", () => {
    expect(docs.map((d) => [d.apiVersion, d.kind])).toEqual([
      ["rbac.authorization.k8s.io/v1", "ClusterRole"],
      ["rbac.authorization.k8s.io/v1", "ClusterRoleBinding"],
    ]);
  });

  it("grants only get and list (LoadBalancerConfigurations: list alone), with no other rule fields", () => {
    expect(role.rules!.length).toBeGreaterThan(0);
    for (const rule of role.rules!) {
      expect(Object.keys(rule).sort()).toEqual(["apiGroups", "resources", "verbs"]);
      // list always; get only where it was granted before (the collector only lists).
      expect(rule.verbs).toContain("list");
      expect(rule.verbs.filter((v) => v !== "get" && v !== "list")).toEqual([]);
    }
  });

  it("covers exactly the kinds the collector lists, including the CRDs and events", () => {
    const granted = role.rules!.flatMap((r) =>
      r.apiGroups.flatMap((g) => r.resources.map((res) => `${g}/${res}`)),
    );
    expect(granted.sort()).toEqual(
      [
        "/nodes",
        "/services",
        "/pods",
        "/events",
        "discovery.k8s.io/endpointslices",
        "networking.k8s.io/ingresses",
        "elbv2.k8s.aws/targetgroupbindings",
        "security.istio.io/peerauthentications",
        "gateway.networking.k8s.io/gatewayclasses",
        "gateway.networking.k8s.io/gateways",
        "gateway.networking.k8s.io/httproutes",
        "gateway.networking.k8s.io/grpcroutes",
        "gateway.networking.k8s.io/tcproutes",
        "gateway.networking.k8s.io/udproutes",
        "gateway.networking.k8s.io/tlsroutes",
        "gateway.k8s.aws/targetgroupconfigurations",
        "gateway.k8s.aws/loadbalancerconfigurations",
      ].sort(),
    );
    // A kind added to the collector must be added here too, or the Lambda meets a 403 gap.
    expect(granted.sort()).toEqual(listedResources().sort());
  });

  it("binds the role to the group the access entry maps the Lambda's role to", () => {
    expect(binding.roleRef).toEqual({
      apiGroup: "rbac.authorization.k8s.io",
      kind: "ClusterRole",
      name: role.metadata.name,
    });
    expect(binding.subjects).toEqual([
      { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: GROUP },
    ]);
  });
});

describe("infra/eks-access-entry.sh", () => {
  it("creates a STANDARD access entry in that group and associates no access policy", () => {
    const bin = mkdtempSync(join(tmpdir(), "fake-aws-"));
    const log = join(bin, "calls");
    // A stand-in `aws` that records its arguments, one per line.
    writeFileSync(
      join(bin, "aws"),
      `#!/bin/sh\nprintf '%s\\n' "$@" >> "${log}"\necho --- >> "${log}"\n`,
    );
    chmodSync(join(bin, "aws"), 0o755);
    const role = "arn:aws:iam::111122223333:role/alb-health-auditor-prod-eu-west-1-lambdaRole";
    execFileSync("bash", ["infra/eks-access-entry.sh", "shop-prod", role, "eu-west-1"], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      stdio: "pipe",
    });
    const calls = readFileSync(log, "utf8")
      .split("---\n")
      .filter(Boolean)
      .map((c) => c.trim().split("\n"));
    expect(calls).toEqual([
      [
        "eks",
        "create-access-entry",
        "--cluster-name",
        "shop-prod",
        "--principal-arn",
        role,
        "--type",
        "STANDARD",
        "--kubernetes-groups",
        GROUP,
        "--region",
        "eu-west-1",
      ],
    ]);
  });
});

describe("parseSimpleYaml", () => {
  it("refuses what it does not understand instead of guessing", () => {
    expect(() => parseSimpleYaml("rules:\n  - verbs: ['*']\n")).toThrow(/unsupported/);
    expect(() => parseSimpleYaml("a: 1\n   b: 2\n")).toThrow(/indentation/);
    expect(() => parseSimpleYaml("a: &x 1\n")).toThrow(/unsupported/);
  });
});
