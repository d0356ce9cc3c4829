/**
 * The alert state in DynamoDB: one item per open finding of a cluster, and one per scheduled
 * event already handled. Table: partition key `pk`, sort key `sk` (both strings), TTL on
 * `expiresAt` (epoch seconds).
 *
 *   pk = cluster#<region>/<cluster>   sk = finding#<fingerprint>   an open finding
 *   pk = cluster#<region>/<cluster>   sk = event#<event id>        a claimed EventBridge event
 *
 * DynamoDB deletes expired items only eventually (up to days later), so reads skip them too.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  PutItemCommand,
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import { SEVERITIES, type Severity } from "../analyze/finding";
import { mapLimit } from "../collect/concurrency";
import type { AlertRecord, StateChanges } from "./decide";

const FINDING = "finding#";
const EVENT = "event#";
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

export const partitionKey = (clusterName: string, region: string) =>
  `cluster#${region}/${clusterName}`;

const epochSeconds = (ms: number) => String(Math.floor(ms / 1000));

const isSeverity = (v: unknown): v is Severity => SEVERITIES.includes(v as Severity);

function toItem(pk: string, r: AlertRecord, expiresAtMs: number): Item {
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
  return item;
}

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
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
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

  async apply(pk: string, changes: StateChanges): Promise<void> {
    const writes: (() => Promise<unknown>)[] = [
      ...changes.put.map((r) => () => {
        const lastSeen = Date.parse(r.lastSeen);
        return this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: toItem(pk, r, (Number.isFinite(lastSeen) ? lastSeen : 0) + this.retentionMs),
          }),
        );
      }),
      ...changes.delete.map(
        (fingerprint) => () =>
          this.client.send(
            new DeleteItemCommand({
              TableName: this.tableName,
              Key: { pk: { S: pk }, sk: { S: `${FINDING}${fingerprint}` } },
            }),
          ),
      ),
    ];
    await mapLimit(writes, this.concurrency, (write) => write());
  }
}
