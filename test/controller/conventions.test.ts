import { describe, expect, it } from "vitest";
import {
  ALB,
  NLB,
  selectNodes,
  TAGS,
  type LabelSelector,
  type NodeLeftOutBy,
} from "../../lib/controller/conventions";
import type { Node } from "../../lib/snapshot/schema";

interface NodeSpec {
  labels?: Record<string, string>;
  taints?: { key: string; effect?: string }[];
  ready?: "True" | "False" | "Unknown" | null;
}

const node = (name: string, spec: NodeSpec = {}): Node => ({
  metadata: { name, labels: spec.labels ?? {} },
  spec: { providerID: `aws:///eu-west-1a/i-${name}`, taints: spec.taints },
  status: {
    conditions: spec.ready === null ? [] : [{ type: "Ready", status: spec.ready ?? "True" }],
  },
});

const verdicts = (nodes: Node[], selector?: LabelSelector) =>
  selectNodes(nodes, selector).map((c) => [c.node.metadata.name, c.leftOutBy ?? "registered"]);

describe("the controller's node selection", () => {
  const cases: [string, NodeSpec, LabelSelector | undefined, NodeLeftOutBy | "registered"][] = [
    ["a plain Ready node", {}, undefined, "registered"],
    [
      "exclude-from-external-load-balancers, any value",
      { labels: { "node.kubernetes.io/exclude-from-external-load-balancers": "false" } },
      undefined,
      "exclusionLabel",
    ],
    [
      "the alpha exclude-balancer label",
      { labels: { "alpha.service-controller.kubernetes.io/exclude-balancer": "true" } },
      undefined,
      "exclusionLabel",
    ],
    [
      "a master role label with an empty value",
      { labels: { "node-role.kubernetes.io/master": "" } },
      undefined,
      "exclusionLabel",
    ],
    [
      "a Fargate node",
      { labels: { "eks.amazonaws.com/compute-type": "fargate" } },
      undefined,
      "fargate",
    ],
    [
      "an EC2 compute type",
      { labels: { "eks.amazonaws.com/compute-type": "ec2" } },
      undefined,
      "registered",
    ],
    [
      "a node the binding's matchLabels do not match",
      { labels: { pool: "apps" } },
      { matchLabels: { pool: "gateway" } },
      "nodeSelector",
    ],
    [
      "a node that matches them",
      { labels: { pool: "gateway" } },
      { matchLabels: { pool: "gateway" } },
      "registered",
    ],
    [
      "matchExpressions In",
      { labels: { pool: "edge" } },
      { matchExpressions: [{ key: "pool", operator: "In", values: ["gateway", "edge"] }] },
      "registered",
    ],
    [
      "matchExpressions DoesNotExist on a present label",
      { labels: { spot: "true" } },
      { matchExpressions: [{ key: "spot", operator: "DoesNotExist" }] },
      "nodeSelector",
    ],
    [
      "ToBeDeletedByClusterAutoscaler, any effect",
      { taints: [{ key: "ToBeDeletedByClusterAutoscaler", effect: "NoExecute" }] },
      undefined,
      "taint",
    ],
    [
      "karpenter.sh/disrupted:NoSchedule",
      { taints: [{ key: "karpenter.sh/disrupted", effect: "NoSchedule" }] },
      undefined,
      "taint",
    ],
    [
      "karpenter.sh/disrupted with another effect",
      { taints: [{ key: "karpenter.sh/disrupted", effect: "PreferNoSchedule" }] },
      undefined,
      "registered",
    ],
    ["a NotReady node beside a Ready one", { ready: "False" }, undefined, "notReady"],
    ["an Unknown node beside a Ready one", { ready: "Unknown" }, undefined, "notReady"],
  ];

  for (const [what, spec, selector, expected] of cases) {
    it(`${what}: ${expected}`, () => {
      const result = verdicts([node("ready-peer"), node("n", spec)], selector);
      expect(result.find(([name]) => name === "n")?.[1]).toBe(expected);
    });
  }

  it("names the label and the fix for an excluded node", () => {
    const [choice] = selectNodes([
      node("n1", { labels: { "node.kubernetes.io/exclude-from-external-load-balancers": "true" } }),
    ]);
    expect(choice).toMatchObject({
      registered: false,
      detail: 'label node.kubernetes.io/exclude-from-external-load-balancers="true"',
      fix: "kubectl label node n1 node.kubernetes.io/exclude-from-external-load-balancers-",
    });
  });

  it("registers cordoned nodes", () => {
    const cordoned = node("c");
    cordoned.spec!.unschedulable = true;
    expect(verdicts([cordoned])).toEqual([["c", "registered"]]);
  });

  it("falls back to Unknown nodes when no candidate is Ready, never to NotReady ones", () => {
    expect(
      verdicts([
        node("u", { ready: "Unknown" }),
        node("f", { ready: "False" }),
        node("a", { ready: null }),
      ]),
    ).toEqual([
      ["u", "registered"],
      ["f", "notReady"],
      ["a", "notReady"],
    ]);
  });

  it("judges readiness only among the nodes the other rules admit", () => {
    // The only Ready node is excluded, so the Unknown one is the fail-open choice.
    const excludedReady = node("x", { labels: { "node-role.kubernetes.io/master": "" } });
    expect(verdicts([excludedReady, node("u", { ready: "Unknown" })])).toEqual([
      ["x", "exclusionLabel"],
      ["u", "registered"],
    ]);
  });
});

describe("the controller's keys", () => {
  it("spells every key once", () => {
    const all = [...Object.values(ALB), ...Object.values(NLB), ...Object.values(TAGS)];
    expect(new Set(all).size).toBe(all.length);
  });

  it("uses the controller's exact annotation names", () => {
    expect(ALB.healthyThreshold).toBe("alb.ingress.kubernetes.io/healthy-threshold-count");
    expect(NLB.healthyThreshold).toBe(
      "service.beta.kubernetes.io/aws-load-balancer-healthcheck-healthy-threshold",
    );
    expect(NLB.targetType).toBe("service.beta.kubernetes.io/aws-load-balancer-nlb-target-type");
  });
});
