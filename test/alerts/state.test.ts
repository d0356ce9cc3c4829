/** The DynamoDB store against a local DynamoDB-compatible server (real wire protocol). */
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { AlertRecord } from "../../lib/alerts/decide";
import { AlertStore, legacyKeyOf, ownRecord, partitionKey } from "../../lib/alerts/state";
import { startLocalDynamo, type LocalDynamo } from "./local-dynamodb";

const PK = partitionKey({ name: "shop-prod", region: "eu-west-1" });
const T0 = new Date("2026-11-24T10:00:00Z");
const DAY = 86_400_000;
const TG = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/a/aaaa";

let dynamo: LocalDynamo;
let table: string;
let store: AlertStore;

const record = (fingerprint: string, fields: Partial<AlertRecord> = {}): AlertRecord => ({
  fingerprint,
  code: "HC001",
  title: "k8s-istiosys-gw: health check on the traffic port",
  severity: "critical",
  targetGroupArn: TG,
  firstSeen: T0.toISOString(),
  lastSeen: T0.toISOString(),
  ...fields,
});

beforeAll(async () => {
  dynamo = await startLocalDynamo();
});
afterAll(async () => {
  await dynamo.close();
});
beforeEach(async () => {
  table = await dynamo.createTable();
  store = new AlertStore(dynamo.client, table);
});

describe("AlertStore events", () => {
  it("claims an event id once; a second delivery of it is refused", async () => {
    expect(await store.claimEvent(PK, "evt-1", T0)).toBe(true);
    expect(await store.claimEvent(PK, "evt-1", new Date(T0.getTime() + 1_000))).toBe(false);
    expect(await store.claimEvent(PK, "evt-2", T0)).toBe(true);
    expect(
      await store.claimEvent(partitionKey({ name: "other", region: "eu-west-1" }), "evt-1", T0),
    ).toBe(true);
  });

  it("lets exactly one of two simultaneous deliveries win", async () => {
    const results = await Promise.all([
      store.claimEvent(PK, "evt-race", T0),
      store.claimEvent(PK, "evt-race", T0),
    ]);
    expect(results.sort()).toEqual([false, true]);
  });

  it("forgets a claim after its retention, even before TTL removes the item", async () => {
    await store.claimEvent(PK, "evt-1", T0);
    expect(await store.claimEvent(PK, "evt-1", new Date(T0.getTime() + DAY - 1_000))).toBe(false);
    expect(await store.claimEvent(PK, "evt-1", new Date(T0.getTime() + DAY + 1_000))).toBe(true);
  });

  it("writes the claim with a TTL", async () => {
    await store.claimEvent(PK, "evt-1", T0);
    const { Item } = await dynamo.client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: PK }, sk: { S: "event#evt-1" } } }),
    );
    expect(Item?.expiresAt?.N).toBe(String((T0.getTime() + DAY) / 1000));
  });
});

describe("AlertStore findings", () => {
  it("stores records and reads them back exactly", async () => {
    const records = [
      record("a1", { notifiedAt: T0.toISOString(), notifiedSeverity: "warning" }),
      record("b2", { targetGroupArn: null, code: "MESH002", severity: "info" }),
    ];
    await store.apply(PK, { put: records, delete: [] });
    const loaded = await store.load(PK, T0);
    expect(loaded.sort((x, y) => x.fingerprint.localeCompare(y.fingerprint))).toEqual(records);
  });

  it("replaces a record on put and removes it on delete", async () => {
    await store.apply(PK, { put: [record("a1"), record("b2")], delete: [] });
    const later = new Date(T0.getTime() + 60_000).toISOString();
    await store.apply(PK, {
      put: [record("a1", { lastSeen: later, notifiedAt: later, notifiedSeverity: "critical" })],
      delete: ["b2"],
    });
    expect(await store.load(PK, T0)).toEqual([
      record("a1", { lastSeen: later, notifiedAt: later, notifiedSeverity: "critical" }),
    ]);
  });

  it("keeps clusters apart and never returns event claims as findings", async () => {
    const other = partitionKey({ name: "shop-staging", region: "eu-west-1" });
    await store.apply(PK, { put: [record("a1")], delete: [] });
    await store.apply(other, { put: [record("z9")], delete: [] });
    await store.claimEvent(PK, "evt-1", T0);
    expect((await store.load(PK, T0)).map((r) => r.fingerprint)).toEqual(["a1"]);
    expect((await store.load(other, T0)).map((r) => r.fingerprint)).toEqual(["z9"]);
  });

  it("sets the TTL from the last sighting and skips expired items TTL has not removed yet", async () => {
    const short = new AlertStore(dynamo.client, table, { retentionMs: DAY });
    await short.apply(PK, { put: [record("a1")], delete: [] });
    const { Item } = await dynamo.client.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: PK }, sk: { S: "finding#a1" } } }),
    );
    expect(Item?.expiresAt?.N).toBe(String((T0.getTime() + DAY) / 1000));
    expect(await short.load(PK, new Date(T0.getTime() + DAY - 1_000))).toHaveLength(1);
    expect(await short.load(PK, new Date(T0.getTime() + DAY + 1_000))).toEqual([]);
  });

  it("reads every page", async () => {
    const paged = new AlertStore(dynamo.client, table, { pageSize: 2 });
    const many = ["a", "b", "c", "d", "e"].map((fp) => record(fp));
    await paged.apply(PK, { put: many, delete: [] });
    expect((await paged.load(PK, T0)).map((r) => r.fingerprint).sort()).toEqual([
      "a",
      "b",
      "c",
      "d",
      "e",
    ]);
  });

  it("passes over an item it cannot read instead of failing the run", async () => {
    await dynamo.client.send(
      new PutItemCommand({
        TableName: table,
        Item: { pk: { S: PK }, sk: { S: "finding#bad" }, severity: { S: "sev1" } },
      }),
    );
    await store.apply(PK, { put: [record("a1")], delete: [] });
    expect((await store.load(PK, T0)).map((r) => r.fingerprint)).toEqual(["a1"]);
  });

  it("fails loudly when the table does not exist", async () => {
    const missing = new AlertStore(dynamo.client, "no-such-table");
    await expect(missing.load(PK, T0)).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });
});

describe("AlertStore lease", () => {
  const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

  it("lets one run hold it until its deadline, then the next; a release frees it at once", async () => {
    const results = await Promise.all(
      ["run-a", "run-b", "run-c"].map((id) => store.acquireLease(PK, id, at(0), at(5))),
    );
    expect(results.filter((l) => l !== undefined)).toHaveLength(1);
    const held = results.find((l) => l !== undefined)!;
    expect(await store.acquireLease(PK, "run-d", at(4), at(9))).toBeUndefined();
    // Another cluster has its own lease.
    expect(
      await store.acquireLease(
        partitionKey({ name: "other", region: "eu-west-1" }),
        "run-d",
        at(4),
        at(9),
      ),
    ).toBeDefined();
    // Past the holder's deadline the lease is free (the holder was stopped then).
    const next = await store.acquireLease(PK, "run-e", at(6), at(11));
    expect(next).toMatchObject({ holder: "run-e" });
    // The first holder's late release leaves the new lease alone.
    await store.releaseLease(PK, held);
    expect(await store.acquireLease(PK, "run-f", at(7), at(12))).toBeUndefined();
    await store.releaseLease(PK, next!);
    expect(await store.acquireLease(PK, "run-f", at(7), at(12))).toBeDefined();
  });

  it("refuses state writes from a lease older than the one that wrote the item", async () => {
    const old = (await store.acquireLease(PK, "run-a", at(0), at(1)))!;
    const newer = (await store.acquireLease(PK, "run-b", at(2), at(3)))!;
    await store.apply(
      PK,
      { put: [record("fp-1", { lastSeen: at(2).toISOString() })], delete: [] },
      newer,
    );
    await expect(store.apply(PK, { put: [], delete: ["fp-1"] }, old)).rejects.toMatchObject({
      name: "LeaseLostError",
    });
    await expect(
      store.apply(PK, { put: [record("fp-1", { title: "stale" })], delete: [] }, old),
    ).rejects.toMatchObject({ name: "LeaseLostError" });
    const [kept] = await store.load(PK, at(3));
    expect(kept).toMatchObject({ fingerprint: "fp-1", lastSeen: at(2).toISOString() });
    expect(kept!.title).not.toBe("stale");
  });
});

describe("keys with the account", () => {
  it("key by account, region and cluster, and name the key the cluster had before", () => {
    const cluster = { name: "shop-prod", region: "eu-west-1", account: "111122223333" };
    expect(partitionKey(cluster)).toBe("cluster#111122223333/eu-west-1/shop-prod");
    expect(legacyKeyOf(cluster)).toBe("cluster#eu-west-1/shop-prod");
    expect(legacyKeyOf({ name: "shop-prod", region: "eu-west-1" })).toBeUndefined();
  });

  it("take over only the old records of the account's own target groups", () => {
    const rec = (targetGroupArn: string | null) => ({ targetGroupArn }) as AlertRecord;
    const own = ownRecord("111122223333");
    expect(own(rec("arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/a/1"))).toBe(
      true,
    );
    expect(own(rec("arn:aws:elasticloadbalancing:eu-west-1:999988887777:targetgroup/a/1"))).toBe(
      false,
    );
    expect(own(rec(null))).toBe(true);
  });
});
