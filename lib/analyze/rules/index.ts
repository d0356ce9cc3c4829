import { healthCheckPortNotHealthPort } from "./hc001-health-check-port-not-health-port";
import { healthCheckPathMismatch } from "./hc002-health-check-path-mismatch";
import { healthCheckProtocolMismatch } from "./hc003-health-check-protocol-mismatch";
import { healthCheckPortStale } from "./hc004-health-check-port-stale";
import { healthCheckAnnotationNotApplied } from "./hc005-health-check-annotation-not-applied";
import { healthCheckCodeMismatch } from "./hc006-health-check-code-mismatch";
import { healthCheckTimeoutShorterThanProbe } from "./hc007-health-check-timeout-shorter-than-probe";
import { externalTrafficPolicyLocalNodesWithoutEndpoints } from "./tp001-external-traffic-policy-local-nodes-without-endpoints";
import { strictMtlsBlocksAlbHealthCheck } from "./mesh001-strict-mtls-blocks-alb-health-check";
import { httpProbeBlockedByStrictMtls } from "./mesh002-http-probe-blocked-by-strict-mtls";
import { securityGroupBlocksHealthCheck } from "./net001-security-group-blocks-health-check";
import { networkAclBlocksHealthCheck } from "./net002-network-acl-blocks-health-check";
import { securityGroupBlocksTrafficPort } from "./net003-security-group-blocks-traffic-port";
import { staleTarget } from "./tgt001-stale-target";
import { missingTarget } from "./tgt002-missing-target";
import { noReadyEndpoints } from "./tgt003-no-ready-endpoints";
import { targetGroupNotInUse } from "./tgt004-target-group-not-in-use";
import { noRegisteredTargets } from "./tgt006-no-registered-targets";
import { unboundTargetGroup } from "./bind001-unbound-target-group";
import { bindingBackendMissing } from "./bind002-binding-backend-missing";
import { unexplainedUnhealthyTargets } from "./tgt005-unexplained-unhealthy-targets";
import { bindingTargetGroupMissing } from "./bind003-binding-target-group-missing";
import { loadBalancerControllerError } from "./ctrl001-load-balancer-controller-error";
import { auditIncomplete } from "./audit001-audit-incomplete";
import type { Rule } from "../rule";
import { orderRules } from "../rule-order";

/**
 * Every rule of the catalog, in the order their `after` declarations give (catalog order where
 * they leave it open): TGT005 and AUDIT001 run after all others.
 */
export const RULES: readonly Rule[] = orderRules([
  healthCheckPortNotHealthPort,
  healthCheckPathMismatch,
  healthCheckProtocolMismatch,
  healthCheckPortStale,
  healthCheckAnnotationNotApplied,
  healthCheckCodeMismatch,
  healthCheckTimeoutShorterThanProbe,
  externalTrafficPolicyLocalNodesWithoutEndpoints,
  strictMtlsBlocksAlbHealthCheck,
  httpProbeBlockedByStrictMtls,
  securityGroupBlocksHealthCheck,
  networkAclBlocksHealthCheck,
  securityGroupBlocksTrafficPort,
  staleTarget,
  missingTarget,
  noReadyEndpoints,
  targetGroupNotInUse,
  noRegisteredTargets,
  unboundTargetGroup,
  bindingBackendMissing,
  bindingTargetGroupMissing,
  loadBalancerControllerError,
  unexplainedUnhealthyTargets,
  auditIncomplete,
]);
