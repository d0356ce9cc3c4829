/**
 * The fix for security groups that close the path from a load balancer to its targets (NET001,
 * NET003), on what really controls the rules (findings.md NET001, first that applies):
 * (a) the controller manages backend rules but cannot choose the target's security group (not
 * exactly one of several carries the cluster tag) — tag one; (b) custom load balancer security
 * groups without managed backend rules — the annotation (for a Gateway, its
 * LoadBalancerConfiguration's field); (c) a hand-made TargetGroupBinding
 * without `spec.networking` — the patch; (d) otherwise the AWS CLI rule itself.
 */
import type { LoadBalancer, ObjectMeta, SecurityGroup } from "../snapshot/schema";
import {
  ALB,
  BACKEND_SECURITY_GROUP_TAG,
  NLB,
  STACK_LABELS,
  clusterSecurityGroupTag,
} from "../controller/conventions";
import type { Model, TargetGroupView } from "./model";
import type { GatewayApiLists } from "./gateway-api/objects";
import {
  manageBackendRulesFix,
  unmanagedSecurityGroups,
} from "./gateway-api/load-balancer-configuration";
import type { NetworkInventory, TargetInterface } from "./network";
import { networkPaths, type ClosedPath } from "./reachability";

export type FixBranch =
  "cluster-tag" | "managed-backend-rules" | "binding-networking" | "authorize";

export interface SecurityGroupFix {
  /** Which of the catalog's branches each part of the remediation took, in order. */
  branches: FixBranch[];
  remediation: string;
}

const hasTag = (g: SecurityGroup | undefined, key: string) =>
  (g?.Tags ?? []).some((t) => t.Key === key);

/** The custom security-groups annotation on the object the controller reads for this group. */
function customSecurityGroups(tgv: TargetGroupView) {
  if (tgv.manager === "ingress") {
    const ing = tgv.ingresses.find((i) => i.metadata.annotations?.[ALB.securityGroups]);
    if (!ing) return undefined;
    // An IngressGroup's members share the setting; whichever member declares it decides.
    const manage = tgv.ingresses
      .map((i) => i.metadata.annotations?.[ALB.manageBackendSecurityGroupRules])
      .find((v) => v !== undefined);
    return {
      kind: "Ingress",
      meta: ing.metadata,
      groups: ing.metadata.annotations?.[ALB.securityGroups] ?? "",
      key: ALB.securityGroups,
      manageKey: ALB.manageBackendSecurityGroupRules,
      manage,
    };
  }
  const svc = tgv.service;
  if (tgv.manager === "service" && svc?.metadata.annotations?.[NLB.securityGroups]) {
    return {
      kind: "Service",
      meta: svc.metadata,
      groups: svc.metadata.annotations[NLB.securityGroups] ?? "",
      key: NLB.securityGroups,
      manageKey: NLB.manageBackendSecurityGroupRules,
      manage: svc.metadata.annotations[NLB.manageBackendSecurityGroupRules],
    };
  }
  return undefined;
}

/** The controller keeps rules for this group on the targets' security groups. */
function managesBackendRules(tgv: TargetGroupView): boolean {
  if (tgv.binding) return (tgv.binding.spec.networking?.ingress ?? []).length > 0;
  const custom = customSecurityGroups(tgv);
  if (custom) return custom.manage === "true";
  return tgv.manager !== "user";
}

/** A Gateway's custom security groups without managed backend rules, from its LoadBalancerConfigurations. */
function gatewaySecurityGroups(model: Model, tgv: TargetGroupView) {
  if (tgv.manager !== "gateway" || !tgv.gateway) return undefined;
  if (model.gapSources.has("kubernetes.loadBalancerConfigurations")) return undefined;
  const lists = model.snapshot.kubernetes as GatewayApiLists;
  return unmanagedSecurityGroups(lists, tgv.gateway.gateway, tgv.gateway.gatewayClass);
}

const ownedByController = (meta: ObjectMeta) =>
  Object.values(STACK_LABELS).some((label) => meta.labels?.[label] !== undefined);

const shellQuote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

/** The EKS cluster security group is the one EKS itself tags for the cluster. */
export function preferredTargetGroup(
  inventory: NetworkInventory,
  ids: readonly string[],
  tag: string,
) {
  const tagged = ids.filter((id) => hasTag(inventory.securityGroup(id), tag));
  if (tagged.length === 1) return tagged[0] as string;
  const eks = ids.find((id) =>
    inventory.securityGroup(id)?.GroupName?.startsWith("eks-cluster-sg-"),
  );
  return eks ?? (ids[0] as string);
}

/** The load balancer group the controller opens targets to, else its first. */
function sourceGroup(inventory: NetworkInventory, lb: LoadBalancer): string | undefined {
  const ids = lb.SecurityGroups ?? [];
  const backend = ids.find((id) =>
    (inventory.securityGroup(id)?.Tags ?? []).some(
      (t) =>
        t.Key === BACKEND_SECURITY_GROUP_TAG.key && t.Value === BACKEND_SECURITY_GROUP_TAG.value,
    ),
  );
  return backend ?? ids[0];
}

const tcpPermission = (port: number, source: string) =>
  shellQuote(`IpProtocol=tcp,FromPort=${port},ToPort=${port},${source}`);

function clusterTagFix(
  inventory: NetworkInventory,
  cluster: string,
  eni: TargetInterface,
  targets: string,
): string {
  const tag = clusterSecurityGroupTag(cluster);
  const ids = eni.securityGroupIds;
  const tagged = ids.filter((id) => hasTag(inventory.securityGroup(id), tag));
  const keep = preferredTargetGroup(inventory, tagged.length > 0 ? tagged : ids, tag);
  const why =
    `Interface ${eni.interfaceId} of ${targets} has security groups ${ids.join(", ")} and ` +
    (tagged.length === 0 ? "none of them carries" : `${tagged.join(", ")} all carry`) +
    ` the tag key ${tag}: the controller adds the load balancer's rule only to the one group so ` +
    `tagged, so it adds none (its event reads "expected exactly one securityGroup tagged with ${tag}").`;
  if (tagged.length === 0) {
    return `${why} Tag exactly one:\naws ec2 create-tags --resources ${keep} --tags Key=${tag},Value=owned`;
  }
  const drop = tagged.filter((id) => id !== keep);
  return `${why} Keep the tag on ${keep} only:\naws ec2 delete-tags --resources ${drop.join(" ")} --tags Key=${tag}`;
}

function annotationFix(custom: NonNullable<ReturnType<typeof customSecurityGroups>>): string {
  const ns = custom.meta.namespace ?? "default";
  const name = custom.meta.name;
  return (
    `${custom.kind} ${ns}/${name} sets ${custom.key} (${custom.groups}) without ` +
    `${custom.manageKey}: "true", so the controller leaves the targets' security groups alone ` +
    `and nothing opens them to the load balancer. Annotate ${custom.kind} ${ns}/${name} (the controller reads the setting there):\n` +
    `metadata:\n  annotations:\n    ${custom.manageKey}: "true"\n` +
    `Command: kubectl -n ${ns} annotate ${custom.kind.toLowerCase()} ${name} --overwrite ${custom.manageKey}=true\n` +
    `The controller then adds its shared backend security group to the load balancer and opens the targets' security group to it.`
  );
}

function networkingPatch(
  meta: ObjectMeta,
  inventory: NetworkInventory,
  lb: LoadBalancer,
  cidrs: string[],
  ports: number[],
): string {
  const source = sourceGroup(inventory, lb);
  const from = source
    ? [{ securityGroup: { groupID: source } }]
    : cidrs.map((cidr) => ({ ipBlock: { cidr } }));
  const rule = { from, ports: ports.map((port) => ({ protocol: "TCP", port })) };
  const yamlFrom = from
    .map((f) =>
      "securityGroup" in f
        ? `          - securityGroup:\n              groupID: ${f.securityGroup.groupID}`
        : `          - ipBlock:\n              cidr: ${f.ipBlock.cidr}`,
    )
    .join("\n");
  const yamlPorts = ports
    .map((p) => `          - protocol: TCP\n            port: ${p}`)
    .join("\n");
  const ns = meta.namespace ?? "default";
  const patch = JSON.stringify({ spec: { networking: { ingress: [rule] } } });
  return (
    `TargetGroupBinding ${ns}/${meta.name} has no spec.networking, so the controller opens the targets' security groups to nothing. Add it:\n` +
    `spec:\n  networking:\n    ingress:\n      - from:\n${yamlFrom}\n        ports:\n${yamlPorts}\n` +
    `Command: kubectl -n ${ns} patch targetgroupbinding ${meta.name} --type merge -p ${shellQuote(patch)}`
  );
}

function ingressCommand(
  inventory: NetworkInventory,
  cluster: string,
  eni: TargetInterface,
  lb: LoadBalancer,
  cidrs: string[],
  ports: number[],
): string {
  const group = preferredTargetGroup(
    inventory,
    eni.securityGroupIds,
    clusterSecurityGroupTag(cluster),
  );
  const source = sourceGroup(inventory, lb);
  const from = source
    ? `UserIdGroupPairs=[{GroupId=${source}}]`
    : `IpRanges=[${cidrs.map((c) => `{CidrIp=${c}}`).join(",")}]`;
  return (
    `Allow ${source ? `the load balancer's security group ${source}` : `the load balancer's subnets (${cidrs.join(", ")})`} ` +
    `in security group ${group} of interface ${eni.interfaceId} on port ${ports.join(", ")}:\n` +
    `aws ec2 authorize-security-group-ingress --group-id ${group} --ip-permissions ${ports.map((p) => tcpPermission(p, from)).join(" ")}`
  );
}

function egressCommand(lbGroup: string, targetGroup: string, enis: string[], ports: number[]) {
  const to = `UserIdGroupPairs=[{GroupId=${targetGroup}}]`;
  return (
    `The load balancer's security group ${lbGroup} lets nothing out to security group ${targetGroup} ` +
    `(interface ${enis.join(", ")}) on port ${ports.join(", ")}; allow it:\n` +
    `aws ec2 authorize-security-group-egress --group-id ${lbGroup} --ip-permissions ${ports.map((p) => tcpPermission(p, to)).join(" ")}`
  );
}

const lbCidrs = (path: ClosedPath) =>
  path.verdict.loadBalancer.subnets.flatMap((s) => (s.cidr ? [s.cidr] : []));

/**
 * The remediation for every closed path of one target group: `ports.open` are the ports a rule
 * must open, `ports.binding` those a binding's networking must name (checked and traffic).
 */
export function securityGroupFix(
  model: Model,
  tgv: TargetGroupView,
  closed: readonly ClosedPath[],
  ports: { open: number[]; binding: number[] },
): SecurityGroupFix {
  const inventory = networkPaths(model).inventory;
  const cluster = model.cluster.name;
  const tag = clusterSecurityGroupTag(cluster);
  const branches: FixBranch[] = [];
  const parts: string[] = [];
  const add = (branch: FixBranch, text: string) => {
    if (parts.includes(text)) return;
    branches.push(branch);
    parts.push(text);
  };
  const custom = customSecurityGroups(tgv);
  const unmanaged = gatewaySecurityGroups(model, tgv);
  const manages = managesBackendRules(tgv);
  const handMade =
    tgv.binding && !tgv.binding.spec.networking && !ownedByController(tgv.binding.metadata)
      ? tgv.binding
      : undefined;
  const inboundClosed = closed.filter((c) => c.verdict.securityGroups.inbound.status === "closed");
  const bySet = new Map<string, ClosedPath[]>();
  for (const c of inboundClosed) {
    const key = [...c.verdict.target.securityGroupIds].sort().join(",");
    bySet.set(key, [...(bySet.get(key) ?? []), c]);
  }
  for (const group of bySet.values()) {
    const first = group[0] as ClosedPath;
    const eni = first.verdict.target;
    const targets = group.map((c) => c.target.id).join(", ");
    const ids = eni.securityGroupIds;
    const taggedCount = ids.filter((id) => hasTag(inventory.securityGroup(id), tag)).length;
    const ambiguous = ids.length > 1 && taggedCount !== 1;
    if (manages && ambiguous) add("cluster-tag", clusterTagFix(inventory, cluster, eni, targets));
    else if (custom && custom.manage !== "true")
      add("managed-backend-rules", annotationFix(custom));
    else if (unmanaged) add("managed-backend-rules", manageBackendRulesFix(unmanaged));
    else if (handMade) {
      add(
        "binding-networking",
        networkingPatch(handMade.metadata, inventory, first.lb, lbCidrs(first), ports.binding) +
          (ambiguous
            ? `\nThe controller needs exactly one security group of the interface to carry the tag; ${clusterTagFix(inventory, cluster, eni, targets)}`
            : ""),
      );
    } else {
      add(
        "authorize",
        ingressCommand(inventory, cluster, eni, first.lb, lbCidrs(first), ports.open),
      );
    }
  }
  const egress = new Map<string, { lbGroup: string; targetGroup: string; enis: string[] }>();
  for (const c of closed) {
    const lbGroup = sourceGroup(inventory, c.lb);
    const targetGroup = c.verdict.target.securityGroupIds[0];
    if (c.verdict.securityGroups.outbound?.status !== "closed" || !lbGroup || !targetGroup) {
      continue;
    }
    const key = `${lbGroup}|${targetGroup}`;
    const entry = egress.get(key) ?? { lbGroup, targetGroup, enis: [] };
    if (!entry.enis.includes(c.verdict.target.interfaceId))
      entry.enis.push(c.verdict.target.interfaceId);
    egress.set(key, entry);
  }
  for (const e of egress.values()) {
    add("authorize", egressCommand(e.lbGroup, e.targetGroup, e.enis, ports.open));
  }
  return { branches, remediation: parts.join("\n") };
}
