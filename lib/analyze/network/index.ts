/** Network reachability from a load balancer to its targets (NET001–NET003). Pure. */
export { NetworkInventory, NETWORK_SOURCES, addressesOf, type ListName } from "./inventory";
export {
  NetworkPaths,
  loadBalancerSide,
  type PathVerdict,
  type SecurityGroupVerdict,
} from "./path";
export {
  coversPort,
  type DirectionVerdict,
  type EvaluatedRule,
  type LoadBalancerSide,
  type Status,
} from "./security-groups";
export {
  EPHEMERAL,
  firstDeny,
  freeRuleNumber,
  type AclDenial,
  type AclVerdict,
} from "./network-acls";
export {
  POD_ENI_ANNOTATION,
  branchInterfaceId,
  resolveTarget,
  type TargetInterface,
  type TargetSpec,
} from "./target-interface";
export type * from "./shapes";
