/**
 * The alert state in DynamoDB: one item per open finding of a cluster, and one per scheduled
 * event already handled. Table: partition key `pk`, sort key `sk` (both strings), TTL on
 * `expiresAt` (epoch seconds).
 *
 *   pk = cluster#<account>/<region>/<cluster>   sk = finding#<fingerprint>   an open finding
 *   pk = cluster#<account>/<region>/<cluster>   sk = event#<event id>        a claimed event
 *   pk = cluster#<account>/<region>/<cluster>   sk = lease                   who may notify now
 *
 * A snapshot that does not name the account (a snapshot file, a kubeconfig without EKS) keys
 * by `cluster#<region>/<cluster>`, as every version before did. A run that knows the account
 * and finds nothing under its key takes over the findings of the old key (see `legacyKeyOf`),
 * so an upgrade sends no open finding again as new.
 *
 * The lease lets one run at a time decide and record notifications for a cluster: a
 * conditional write that expires at the holder's deadline (a Lambda cannot outlive its
 * timeout, so a crashed holder frees it then). Finding items carry the lease time of the run
 * that wrote them (`leaseAt`), and a write from an older lease than the item's is refused, so
 * a run whose lease was taken over cannot overwrite what the newer run recorded.
 *
 * DynamoDB deletes expired items only eventually (up to days later), so reads skip them too.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { SEVERITIES, type Severity } from "../analyze/finding";
import { mapLimit } from "../collect/concurrency";
import type { AlertRecord, StateChanges } from "./decide";

const FINDING = "finding#";
const EVENT = "event#";
const LEASE = "lease";
const DAY_MS = 86_400_000;
/** Titles are for people reading the table; the notices carry the full finding. */
const TITLE_MAX = 500;

export interface AlertStoreOptions {
  /** How long a finding's item outlives its last sighting. Default 30 days. */
  retentionMs?: number;
  /** How long a claimed event id is remembered. Default 1 day. */
  eventRetentionMs?: number;
  /** Writes in flight. Default 8. */
  concurrency?: number;
  /** Items per Query page; default: DynamoDB's 1 MB pages. */
  pageSize?: number;
}

type Item = Record<string, AttributeValue>;

/** A lease this run holds: its id and when it was taken (orders leases for the fence). */
export interface Lease {
  holder: string;
  acquiredAtMs: number;
  expiresAtMs: number;
}

/** The lease is held by another run (or was taken over): this run must not send or record. */
export class LeaseLostError extends Error {
  override name = "LeaseLostError";
}

/** Who a cluster is: its name and region, and its account when known. */
export interface ClusterKey {
  name: string;
  region: string;
  account?: string;
}

/** The cluster's partition: by account too, since names repeat across a fleet's accounts. */
export const partitionKey = (cluster: ClusterKey) =>
  cluster.account
    ? `cluster#${cluster.account}/${cluster.region}/${cluster.name}`
    : `cluster#${cluster.region}/${cluster.name}`;

/** The key the same cluster had before accounts were part of it; undefined when the same. */
export const legacyKeyOf = (cluster: ClusterKey): string | undefined =>
  cluster.account ? `cluster#${cluster.region}/${cluster.name}` : undefined;

/**
 * Whether a record under the old key is this account's: its target group's ARN names the
 * account (two accounts' clusters of one name shared the old key); a record without a target
 * group cannot tell and is taken.
 */
export const ownRecord = (account: string) => (r: AlertRecord) =>
  r.targetGroupArn === null || r.targetGroupArn.split(":")[4] === account;

const epochSeconds = (ms: number) => String(Math.floor(ms / 1000));

const isSeverity = (v: unknown): v is Severity => SEVERITIES.includes(v as Severity);

function toItem(pk: string, r: AlertRecord, expiresAtMs: number, lease?: Lease): Item {
  const item: Item = {
    pk: { S: pk },
    sk: { S: `${FINDING}${r.fingerprint}` },
    fingerprint: { S: r.fingerprint },
    code: { S: r.code },
    title: { S: r.title.slice(0, TITLE_MAX) },
    severity: { S: r.severity },
    firstSeen: { S: r.firstSeen },
    lastSeen: { S: r.lastSeen },
    expiresAt: { N: epochSeconds(expiresAtMs) },
  };
  if (r.targetGroupArn !== null) item.targetGroupArn = { S: r.targetGroupArn };
  if (r.notifiedAt) item.notifiedAt = { S: r.notifiedAt };
  if (r.notifiedSeverity) item.notifiedSeverity = { S: r.notifiedSeverity };
  if (lease) item.leaseAt = { N: String(lease.acquiredAtMs) };
  return item;
}

const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException ||
  (error as { name?: unknown })?.name === "ConditionalCheckFailedException";

/** An item as a record; undefined for one this version cannot read (it is then left alone). */
function fromItem(item: Item): AlertRecord | undefined {
  const s = (name: string) => item[name]?.S;
  const fingerprint = s("fingerprint");
  const code = s("code");
  const severity = s("severity");
  const firstSeen = s("firstSeen");
  const lastSeen = s("lastSeen");
  if (!fingerprint || !code || !isSeverity(severity) || !firstSeen || !lastSeen) return undefined;
  const notifiedSeverity = s("notifiedSeverity");
  const notifiedAt = s("notifiedAt");
  return {
    fingerprint,
    code,
    title: s("title") ?? code,
    severity,
    targetGroupArn: s("targetGroupArn") ?? null,
    firstSeen,
    lastSeen,
    ...(notifiedAt ? { notifiedAt } : {}),
    ...(isSeverity(notifiedSeverity) ? { notifiedSeverity } : {}),
  };
}

export class AlertStore {
  private readonly retentionMs: number;
  private readonly eventRetentionMs: number;
  private readonly concurrency: number;
  private readonly pageSize: number | undefined;

  constructor(
    private readonly client: DynamoDBClient,
    readonly tableName: string,
    options: AlertStoreOptions = {},
  ) {
    this.retentionMs = options.retentionMs ?? 30 * DAY_MS;
    this.eventRetentionMs = options.eventRetentionMs ?? DAY_MS;
    this.concurrency = options.concurrency ?? 8;
    this.pageSize = options.pageSize;
  }

  /**
   * Records that this event is being handled. False when it already was: EventBridge
   * delivered it twice. A conditional put, so two deliveries running at once cannot both win.
   */
  async claimEvent(pk: string, eventId: string, now: Date): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: pk },
            sk: { S: `${EVENT}${eventId}` },
            claimedAt: { S: now.toISOString() },
            expiresAt: { N: epochSeconds(now.getTime() + this.eventRetentionMs) },
          },
          // An expired claim that TTL has not removed yet does not count.
          ConditionExpression: "attribute_not_exists(sk) OR expiresAt < :now",
          ExpressionAttributeValues: { ":now": { N: epochSeconds(now.getTime()) } },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Takes the cluster's lease until `expiresAt` (the run's deadline). Undefined when another
   * run holds an unexpired one. UpdateItem, so two runs asking at once cannot both win.
   */
  async acquireLease(
    pk: string,
    holder: string,
    now: Date,
    expiresAt: Date,
  ): Promise<Lease | undefined> {
    const lease = { holder, acquiredAtMs: now.getTime(), expiresAtMs: expiresAt.getTime() };
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: pk }, sk: { S: LEASE } },
          UpdateExpression:
            "SET holder = :me, acquiredAtMs = :at, leaseUntilMs = :until, expiresAt = :ttl",
          ConditionExpression: "attribute_not_exists(holder) OR leaseUntilMs < :at OR holder = :me",
          ExpressionAttributeValues: {
            ":me": { S: holder },
            ":at": { N: String(lease.acquiredAtMs) },
            ":until": { N: String(lease.expiresAtMs) },
            // TTL removes a lease nobody released, long after it stopped counting.
            ":ttl": { N: epochSeconds(lease.expiresAtMs + DAY_MS) },
          },
        }),
      );
      return lease;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** Gives the lease back so the next run need not wait for it to expire. */
  async releaseLease(pk: string, lease: Lease): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: pk }, sk: { S: LEASE } },
          ConditionExpression: "holder = :me AND acquiredAtMs = :at",
          ExpressionAttributeValues: {
            ":me": { S: lease.holder },
            ":at": { N: String(lease.acquiredAtMs) },
          },
        }),
      );
    } catch (error) {
      // Taken over after it expired: the newer holder's lease stays.
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** The open findings of the cluster, strongly consistent so the last run's writes count. */
  async load(pk: string, now: Date): Promise<AlertRecord[]> {
    const records: AlertRecord[] = [];
    const nowSeconds = Math.floor(now.getTime() / 1000);
    let start: Item | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
          ExpressionAttributeValues: { ":pk": { S: pk }, ":prefix": { S: FINDING } },
          ConsistentRead: true,
          ExclusiveStartKey: start,
          Limit: this.pageSize,
        }),
      );
      for (const item of page.Items ?? []) {
        const expiresAt = Number(item.expiresAt?.N);
        if (Number.isFinite(expiresAt) && expiresAt < nowSeconds) continue;
        const record = fromItem(item);
        if (record) records.push(record);
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return records;
  }

  /**
   * Writes the run's changes. With a lease, every write is conditional on it: no item a newer
   * lease wrote is overwritten or deleted (LeaseLostError then, after the other writes).
   */
  async apply(pk: string, changes: StateChanges, lease?: Lease): Promise<void> {
    const fence = lease
      ? {
          ConditionExpression: "attribute_not_exists(leaseAt) OR leaseAt <= :lease",
          ExpressionAttributeValues: { ":lease": { N: String(lease.acquiredAtMs) } },
        }
      : {};
    let lost = 0;
    const send = async (command: PutItemCommand | DeleteItemCommand) => {
      try {
        await (command instanceof PutItemCommand
          ? this.client.send(command)
          : this.client.send(command));
      } catch (error) {
        if (lease && isConditionFailure(error)) lost++;
        else throw error;
      }
    };
    const writes: (() => Promise<unknown>)[] = [
      ...changes.put.map((r) => () => {
        const lastSeen = Date.parse(r.lastSeen);
        const expires = (Number.isFinite(lastSeen) ? lastSeen : 0) + this.retentionMs;
        return send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: toItem(pk, r, expires, lease),
            ...fence,
          }),
        );
      }),
      ...changes.delete.map(
        (fingerprint) => () =>
          send(
            new DeleteItemCommand({
              TableName: this.tableName,
              Key: { pk: { S: pk }, sk: { S: `${FINDING}${fingerprint}` } },
              ...fence,
            }),
          ),
      ),
    ];
    await mapLimit(writes, this.concurrency, (write) => write());
    if (lost > 0) {
      throw new LeaseLostError(
        `${lost} alert record(s) were written by a newer run; left as they are`,
      );
    }
  }
}
