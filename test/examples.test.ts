/**
 * The bundled example snapshots are the project's end-to-end oracle: each tells one story from
 * the seeds, and examples/expected.json says which warning and critical codes a correct audit of
 * it raises (healthy examples: none, which is the catalog's precision rule).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { analyze } from "../lib/analyze";
import type { AuditReport, Finding } from "../lib/analyze/finding";
import { readSnapshotFile } from "../lib/snapshot/read";
import type { Snapshot } from "../lib/snapshot/schema";

const EXAMPLES = fileURLToPath(new URL("../examples/", import.meta.url));
const SHARED_EXAMPLE = fileURLToPath(
  new URL("../../shared/examples/seed-000-istio-traffic-port.json", import.meta.url),
);

const expected = JSON.parse(readFileSync(join(EXAMPLES, "expected.json"), "utf8")) as Record<
  string,
  string[]
>;
const exampleFiles = readdirSync(EXAMPLES)
  .filter((name) => name.endsWith(".json") && name !== "expected.json")
  .sort();

/** Info findings explain; only warning and critical ones alert someone. */
const alerting = (report: AuditReport): Finding[] =>
  report.findings.filter((f) => f.severity !== "info");
const alertingCodes = (report: AuditReport): string[] =>
  [...new Set(alerting(report).map((f) => f.code))].sort();

const audit = async (file: string) => analyze(await readSnapshotFile(file));

/** The fix each story calls for, in the words the catalog prescribes for that code. */
const FIX_MENTIONS: Record<string, { code: string; mentions: RegExp[] }> = {
  "01-istio-gateway-traffic-port.json": {
    code: "HC001",
    mentions: [
      /istio-system\/istio-ingressgateway/,
      /healthcheck-port\W{0,4}31127\b/,
      /healthcheck-path\W{0,4}\/healthz\/ready/,
      /healthcheck-protocol\W{0,4}HTTP\b/,
    ],
  },
  // The seed-001 lesson: the fix goes on the gateway Service, whatever the Ingress declares.
  "02-annotation-on-wrong-object.json": {
    code: "HC001",
    mentions: [/Service istio-system\/istio-ingressgateway/, /healthcheck-port\W{0,4}31127\b/],
  },
  "03-stale-healthcheck-nodeport.json": { code: "HC004", mentions: [/\b31127\b/, /nodePort/] },
  "04-nginx-external-traffic-policy-local.json": {
    code: "TP001",
    mentions: [/externalTrafficPolicy\W{0,4}Cluster/],
  },
  "05-istio-strict-mtls-kubelet-probes.json": {
    code: "MESH002",
    mentions: [/rewriteAppHTTPProbers/],
  },
  "06-istio-strict-mtls-alb-ip-mode.json": {
    code: "MESH001",
    mentions: [/PERMISSIVE/, /\b8080\b/],
  },
  // The member that breaks the group, and the value it needs.
  "07-ingress-group-blocked-by-broken-member.json": {
    code: "CTRL001",
    mentions: [
      /Ingress shop\/promo breaks the model of IngressGroup shop-public/,
      /annotate ingress promo --overwrite alb\.ingress\.kubernetes\.io\/healthcheck-interval-seconds=10\b/,
    ],
  },
  "08-exclusion-label-empties-target-group.json": {
    code: "TGT006",
    mentions: [/node\.kubernetes\.io\/exclude-from-external-load-balancers-/, /"false" included/],
  },
  // A group built for a Gateway is fixed in its TargetGroupConfiguration, never by annotation.
  "20-gateway-api-tgc-not-applied.json": {
    code: "HC001",
    mentions: [
      /TargetGroupConfiguration orders\/orders-api, spec\.defaultConfiguration\.healthCheckConfig/,
      /healthCheckPort: "8081"/,
      /healthCheckPath: "\/healthz"/,
      /kubectl -n orders patch targetgroupconfigurations\.gateway\.k8s\.aws orders-api --type=merge/,
      /^(?![\s\S]*alb\.ingress\.kubernetes\.io)/,
    ],
  },
  // Istio rewrites the Service it generated: the annotations go on its Gateway.
  "21-ingress-alb-to-istio-gateway-api-traffic-port.json": {
    code: "HC001",
    mentions: [
      /Istio generates Service istio-system\/public-istio for Gateway istio-system\/public/,
      /spec:\n {2}infrastructure:\n {4}annotations:/,
      /healthcheck-port: "31127"/,
      /healthcheck-path: "\/healthz\/ready"/,
      /kubectl -n istio-system patch gateways\.gateway\.networking\.k8s\.io public --type=merge/,
      /^(?![\s\S]*annotate service)/,
    ],
  },
  // The controller ignores the targets' groups until told to manage them: the annotation.
  "30-custom-security-groups-without-backend-rules.json": {
    code: "NET001",
    mentions: [
      /Annotate Ingress istio-system\/istio-ingress/,
      /annotate ingress istio-ingress --overwrite alb\.ingress\.kubernetes\.io\/manage-backend-security-group-rules=true/,
    ],
  },
  // The new node group's interface has two groups and neither carries the cluster tag.
  "31-new-node-group-without-cluster-security-group.json": {
    code: "NET001",
    mentions: [
      /expected exactly one securityGroup tagged with kubernetes\.io\/cluster\/shop-prod/,
      /aws ec2 create-tags --resources sg-07e2b9c4d1a6f5038 --tags Key=kubernetes\.io\/cluster\/shop-prod,Value=owned/,
    ],
  },
};

describe("bundled example snapshots", () => {
  it("expected.json lists every example file, and only those", () => {
    expect(exampleFiles.length).toBeGreaterThan(0);
    expect(Object.keys(expected).sort()).toEqual(exampleFiles);
  });

  it.each(exampleFiles)("%s raises exactly its expected warning/critical codes", async (name) => {
    const report = await audit(join(EXAMPLES, name));
    expect(alertingCodes(report)).toEqual(expected[name]);
  });

  it.each(Object.entries(FIX_MENTIONS))("%s: the remediation names the fix", async (name, fix) => {
    const report = await audit(join(EXAMPLES, name));
    const finding = alerting(report).find((f) => f.code === fix.code);
    expect(finding, `${fix.code} in ${name}`).toBeDefined();
    for (const mention of fix.mentions) expect(finding!.remediation).toMatch(mention);
  });

  it.each(exampleFiles)("%s is internally consistent", async (name) => {
    const snapshot: Snapshot = await readSnapshotFile(join(EXAMPLES, name));
    expect(snapshot.gaps).toEqual([]);
    const k = snapshot.kubernetes;
    const nodesByInstance = new Map(
      k.nodes.map((n) => [n.spec?.providerID?.split("/").pop(), n.metadata.name]),
    );
    const pods = new Map(k.pods.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));

    for (const slice of k.endpointSlices) {
      for (const ep of slice.endpoints ?? []) {
        const pod = pods.get(`${ep.targetRef?.namespace}/${ep.targetRef?.name}`);
        expect(pod, `pod of endpoint ${ep.addresses[0]}`).toBeDefined();
        expect(ep.addresses).toEqual([pod!.status?.podIP]);
        expect(ep.nodeName).toBe(pod!.spec.nodeName);
      }
    }
    for (const tg of snapshot.aws.targetGroups) {
      const binding = k.targetGroupBindings.find(
        (b) => b.spec.targetGroupARN === tg.TargetGroupArn,
      );
      expect(binding, `binding of ${tg.TargetGroupName}`).toBeDefined();
      const svc = k.services.find(
        (s) =>
          s.metadata.name === binding!.spec.serviceRef.name &&
          s.metadata.namespace === binding!.metadata.namespace,
      );
      const port = svc?.spec?.ports?.find((p) => p.port === binding!.spec.serviceRef.port);
      expect(port, `Service port of ${tg.TargetGroupName}`).toBeDefined();
      const lbArns = snapshot.aws.loadBalancers.map((lb) => lb.LoadBalancerArn);
      expect(lbArns).toEqual(expect.arrayContaining(tg.LoadBalancerArns ?? []));

      const podIps = new Set(k.pods.map((p) => p.status?.podIP));
      const aws = snapshot.aws;
      if (aws.instances && aws.securityGroups && aws.subnets) {
        // The EC2 side matches too: every target's instance, and every group and subnet named.
        const groups = new Set<string | undefined>(aws.securityGroups.map((g) => g.GroupId));
        const subnets = new Set<string | undefined>(aws.subnets.map((s) => s.SubnetId));
        for (const lb of snapshot.aws.loadBalancers) {
          for (const g of lb.SecurityGroups ?? []) expect(groups.has(g), g).toBe(true);
          for (const z of lb.AvailabilityZones ?? [])
            expect(subnets.has(z.SubnetId), String(z.SubnetId)).toBe(true);
        }
        for (const i of aws.instances) {
          for (const eni of i.NetworkInterfaces ?? []) {
            expect(subnets.has(eni.SubnetId), String(eni.SubnetId)).toBe(true);
            for (const g of eni.Groups ?? [])
              expect(groups.has(g.GroupId), String(g.GroupId)).toBe(true);
          }
          const node = k.nodes.find((n) => n.spec?.providerID?.endsWith(`/${i.InstanceId}`));
          const ip = node?.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
          expect(i.PrivateIpAddress, `address of ${i.InstanceId}`).toBe(ip);
        }
      }
      for (const d of tg.TargetHealthDescriptions ?? []) {
        if (tg.TargetType === "instance") {
          expect(nodesByInstance.has(d.Target.Id), `node of ${d.Target.Id}`).toBe(true);
          expect(d.Target.Port).toBe(port!.nodePort);
        } else {
          expect(podIps.has(d.Target.Id), `pod with IP ${d.Target.Id}`).toBe(true);
          expect(d.Target.Port).toBe(tg.Port);
        }
      }
    }
  });
});

describe("examples with the EC2 lists", () => {
  it.each(exampleFiles)(
    "%s: the network checks run exactly when the lists are there",
    async (name) => {
      const snapshot = await readSnapshotFile(join(EXAMPLES, name));
      const notRun = (analyze(snapshot).summary.notRun ?? []).map((n) => n.code);
      const withEc2 = snapshot.aws.instances !== undefined;
      for (const code of ["NET001", "NET002", "NET003"]) {
        expect(notRun.includes(code), `${code} in notRun`).toBe(!withEc2);
      }
    },
  );
});

const sharedPresent = existsSync(SHARED_EXAMPLE);

describe("shared worked example (../shared/examples)", () => {
  it.skipIf(!sharedPresent)(
    sharedPresent
      ? "seed-000 raises only HC001, critical, with the three annotations for the gateway Service"
      : "seed-000 — SKIPPED: ../shared/examples/seed-000-istio-traffic-port.json is not present beside the repository",
    async () => {
      const findings = alerting(await audit(SHARED_EXAMPLE));
      expect(findings.map((f) => [f.code, f.severity])).toEqual([["HC001", "critical"]]);
      const fix = findings[0]!.remediation;
      expect(fix).toMatch(/\bService\b/);
      expect(fix).toContain("istio-system/istio-ingressgateway");
      expect(fix).toMatch(/healthcheck-port\W{0,4}31127\b/);
      expect(fix).toMatch(/healthcheck-path\W{0,4}\/healthz\/ready/);
      expect(fix).toMatch(/healthcheck-protocol\W{0,4}HTTP\b/);
    },
  );
});
