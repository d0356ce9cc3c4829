/**
 * How a fleet worker reaches the clusters of one account and region: it assumes each member
 * role once per invocation (temporary credentials, never logged or returned), builds that
 * account's clients once, and shares between the group's clusters one ELB inventory
 * (DescribeLoadBalancers, DescribeTargetGroups, DescribeTags) and one client-side ELB rate limit —
 * the account's ELB API bucket is one per account and region, whatever number of clusters.
 */
import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { EKSClient } from "@aws-sdk/client-eks";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { AssumeRoleCommand, type STSClient } from "@aws-sdk/client-sts";
import type { CollectOptions } from "../collect/collect";
import { elbInventory, type ElbInventory } from "../collect/elb-inventory";
import { TokenBucket } from "../collect/rate-limit";
import type { FleetCluster } from "./definition";
import type { FleetGroup } from "./plan";
import type { AuditCluster } from "./worker";

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration?: Date;
}

export interface AccountClients {
  elbv2: ElasticLoadBalancingV2Client;
  /** The network checks' reads, in the member account like every other call. */
  ec2: EC2Client;
  eks: EKSClient;
  cloudwatch: CloudWatchClient;
}

/** What the audit of one cluster is given: collection options bound to the account's clients. */
export type ClusterCollect = Pick<
  CollectOptions,
  "eks" | "elbv2" | "ec2" | "cloudwatch" | "credentials" | "inventory" | "elbRateLimiter"
>;

export interface GroupAuditorDeps {
  /** The auditor's own STS client (in the group's region: regional endpoints). */
  sts: STSClient;
  /** Clients of the group's region, signed with the member role's credentials. */
  clientsFor: (region: string, credentials: TemporaryCredentials) => AccountClients;
  /** The audit of one cluster (collect → analyze → alert), given its collection options. */
  audit: (
    cluster: FleetCluster,
    collect: ClusterCollect,
    budgetMs: number,
  ) => ReturnType<AuditCluster>;
  /** ELB calls per second for the whole group. */
  elbCallsPerSecond: number;
}

export const ROLE_SESSION_NAME = "alb-health-auditor";

async function assumeRole(sts: STSClient, cluster: FleetCluster): Promise<TemporaryCredentials> {
  const out = await sts.send(
    new AssumeRoleCommand({
      RoleArn: cluster.roleArn,
      RoleSessionName: ROLE_SESSION_NAME,
      // The shortest session STS grants; a worker invocation lasts at most 15 minutes.
      DurationSeconds: 900,
      ...(cluster.externalId ? { ExternalId: cluster.externalId } : {}),
    }),
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
    throw new Error(`AssumeRole ${cluster.roleArn} returned no credentials`);
  }
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    ...(c.Expiration ? { expiration: new Date(c.Expiration) } : {}),
  };
}

interface Account {
  clients: AccountClients;
  credentials: TemporaryCredentials;
  inventory: ElbInventory;
}

/** The AuditCluster of one worker invocation for one account-and-region group. */
export function groupAuditor(group: FleetGroup, deps: GroupAuditorDeps): AuditCluster {
  const limiter = Number.isFinite(deps.elbCallsPerSecond)
    ? new TokenBucket(deps.elbCallsPerSecond)
    : undefined;
  // One entry per role: clusters of the group normally share their account's member role.
  const accounts = new Map<string, Promise<Account>>();
  const accountFor = (cluster: FleetCluster): Promise<Account> => {
    const key = cluster.roleArn;
    let account = accounts.get(key);
    if (!account) {
      account = (async () => {
        const credentials = await assumeRole(deps.sts, cluster);
        const clients = deps.clientsFor(group.region, credentials);
        return { clients, credentials, inventory: elbInventory(clients.elbv2) };
      })();
      // A failed AssumeRole is this cluster's failure; the next cluster of the role tries again.
      account.catch(() => accounts.delete(key));
      accounts.set(key, account);
    }
    return account;
  };
  return async (cluster, { budgetMs }) => {
    const account = await accountFor(cluster);
    return deps.audit(
      cluster,
      {
        ...account.clients,
        credentials: account.credentials,
        inventory: account.inventory,
        ...(limiter ? { elbRateLimiter: limiter } : {}),
      },
      budgetMs,
    );
  };
}
