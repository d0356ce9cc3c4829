#!/usr/bin/env bash
# Lets the audit Lambda's IAM role sign in to the cluster as a member of the Kubernetes group
# alb-health-auditor-readers, which rbac.yaml binds to a read-only ClusterRole. No EKS access
# policy is associated: the RBAC binding is the whole grant, so it stays get/list on seven kinds.
#
# Usage: infra/eks-access-entry.sh CLUSTER_NAME ROLE_ARN [REGION]
# Needs a cluster whose authentication mode is API or API_AND_CONFIG_MAP.
set -euo pipefail

cluster="${1:?usage: eks-access-entry.sh CLUSTER_NAME ROLE_ARN [REGION]}"
role_arn="${2:?usage: eks-access-entry.sh CLUSTER_NAME ROLE_ARN [REGION]}"
region="${3:-${AWS_REGION:-}}"
group="alb-health-auditor-readers"

region_args=()
if [[ -n "$region" ]]; then region_args=(--region "$region"); fi

aws eks create-access-entry \
  --cluster-name "$cluster" \
  --principal-arn "$role_arn" \
  --type STANDARD \
  --kubernetes-groups "$group" \
  ${region_args[@]+"${region_args[@]}"}

echo "Access entry created: $role_arn -> group $group on $cluster."
echo "Now apply the read-only RBAC: kubectl apply -f infra/rbac.yaml"
