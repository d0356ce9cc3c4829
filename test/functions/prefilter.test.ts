/**
 * How the Lambda drives the health prefilter: scheduled runs use it and hand each run the
 * previous run's state; manual runs, runs limited to named groups and a disabled prefilter
 * list every target.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHandler, resetPrefilterState } from "../../functions/audit";
import type { CollectOptions, PrefilterState } from "../../lib/collect/collect";
import type { AuditConfig } from "../../lib/config";
import { GW_TG_ARN, healthyInstanceGatewayInput, snapshotOf } from "../support/scenarios";
import { captureOutput, lambdaContext, scheduledEvent, type Captured, testConfig } from "./harness";

let output: Captured;
let seen: CollectOptions[];

const config = (prefilter: AuditConfig["prefilter"]): AuditConfig =>
  testConfig({ elbCallsPerSecond: 3, prefilter });

/** A collector that records its options and answers the prefilter with a numbered state. */
function handler(prefilter: AuditConfig["prefilter"]) {
  let run = 0;
  return createHandler({
    config: config(prefilter),
    logger: new Logger({ serviceName: "alb-health-auditor" }),
    clients: { fetch: () => Promise.reject(new Error("no network in this test")) } as never,
    collect: async (options) => {
      seen.push(options);
      run += 1;
      options.prefilter?.onState?.({ run } as unknown as PrefilterState);
      return snapshotOf(healthyInstanceGatewayInput());
    },
  });
}

const ON = { enabled: true, fullSweepEvery: 6, sweep: "rolling" as const };

beforeEach(() => {
  resetPrefilterState();
  seen = [];
  output = captureOutput();
});
afterEach(() => output.restore());

describe("health prefilter in the Lambda", () => {
  it("scheduled runs use it and pass the previous run's state on", async () => {
    const h = handler(ON);
    await h(scheduledEvent, lambdaContext());
    await h({ ...scheduledEvent, id: "second-event" }, lambdaContext());
    expect(seen[0]!.prefilter).toMatchObject({
      enabled: true,
      fullSweepEvery: 6,
      sweep: "rolling",
    });
    expect(seen[0]!.prefilter!.previous).toBeUndefined();
    expect(seen[1]!.prefilter!.previous).toEqual({ run: 1 });
    expect(seen.map((o) => o.elbCallsPerSecond)).toEqual([3, 3]);
  });

  it("manual runs and runs limited to named groups list every target", async () => {
    const h = handler(ON);
    await h({}, lambdaContext());
    await h({ targetGroupArns: [GW_TG_ARN] }, lambdaContext());
    expect(seen.map((o) => o.prefilter)).toEqual([undefined, undefined]);
  });

  it("stays off when disabled", async () => {
    await handler({ ...ON, enabled: false })(scheduledEvent, lambdaContext());
    expect(seen[0]!.prefilter).toBeUndefined();
  });
});
