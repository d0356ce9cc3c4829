/**
 * Slack retries: which answers are retried, how long it waits (Retry-After first), and the two
 * bounds (attempts, total time). A fake clock makes every wait exact and the test instant.
 */
import { describe, expect, it } from "vitest";
import { postToSlack, retryAfterMs, type SlackRetryOptions } from "../../lib/sinks/slack";

const message = { text: "t", blocks: [] };
const URL = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX";

/** Answers in order (the last one repeats); records the waits on a fake clock. */
function scripted(answers: (() => Response)[], retry: SlackRetryOptions = {}) {
  let clock = 0;
  const waits: number[] = [];
  let calls = 0;
  const post = postToSlack(URL, message, {
    timeoutMs: 1_000,
    retry,
    now: () => clock,
    sleep: async (ms) => {
      waits.push(ms);
      clock += ms;
    },
    fetch: async () => {
      const answer = answers[Math.min(calls, answers.length - 1)]!;
      calls += 1;
      return answer();
    },
  });
  return { post, waits, calls: () => calls };
}

const status =
  (code: number, headers: Record<string, string> = {}, body = "") =>
  () =>
    new Response(body, { status: code, headers });

describe("postToSlack retries", () => {
  it("waits as long as Retry-After says after a 429, then succeeds", async () => {
    const run = scripted([
      status(429, { "retry-after": "2" }, "rate_limited"),
      status(200, {}, "ok"),
    ]);
    await run.post;
    expect(run.calls()).toBe(2);
    expect(run.waits).toEqual([2_000]);
  });

  it("backs off exponentially on 5xx without Retry-After", async () => {
    const run = scripted([status(503), status(502), status(200, {}, "ok")], {
      baseDelayMs: 300,
      maxAttempts: 4,
    });
    await run.post;
    expect(run.calls()).toBe(3);
    expect(run.waits).toEqual([300, 600]);
  });

  it("stops after maxAttempts and says so", async () => {
    const run = scripted([status(500, {}, "no_service")], { baseDelayMs: 10, maxAttempts: 3 });
    await expect(run.post).rejects.toThrow(
      "slack: webhook answered 500 (no_service); gave up after 3 attempts",
    );
    expect(run.calls()).toBe(3);
    expect(run.waits).toEqual([10, 20]);
  });

  it("does not wait past the budget: a long Retry-After ends the retries at once", async () => {
    const run = scripted([status(429, { "retry-after": "30" }, "rate_limited")], {
      budgetMs: 15_000,
    });
    await expect(run.post).rejects.toThrow(
      /429 \(rate_limited\); gave up after 1 attempt\(s\): the next one \(in 30s\) would pass the 15s retry budget/,
    );
    expect(run.calls()).toBe(1);
    expect(run.waits).toEqual([]);
  });

  it("keeps the waits within the budget over several attempts", async () => {
    const run = scripted([status(503)], { baseDelayMs: 4_000, maxAttempts: 10, budgetMs: 10_000 });
    await expect(run.post).rejects.toThrow(/would pass the 10s retry budget/);
    // 4 s, then 8 s would end at 12 s > 10 s.
    expect(run.waits).toEqual([4_000]);
  });

  it("accepts a budget that is not whole milliseconds", async () => {
    const run = scripted([status(200, {}, "ok")], { budgetMs: 1234.56 });
    await run.post;
    expect(run.calls()).toBe(1);
  });

  it.each([400, 403, 404])("does not retry %i: the request itself is wrong", async (code) => {
    const run = scripted([status(code, {}, "invalid_payload")]);
    await expect(run.post).rejects.toThrow(`webhook answered ${code} (invalid_payload)`);
    expect(run.calls()).toBe(1);
  });

  it("retries a refused connection but not a timeout, which may have posted", async () => {
    const refused = Object.assign(new TypeError("fetch failed"), {
      cause: { code: "ECONNREFUSED" },
    });
    const refusedRun = scripted([
      () => {
        throw refused;
      },
      status(200, {}, "ok"),
    ]);
    await refusedRun.post;
    expect(refusedRun.calls()).toBe(2);

    const timeout = new DOMException("The operation was aborted due to timeout", "TimeoutError");
    const timeoutRun = scripted([
      () => {
        throw timeout;
      },
    ]);
    await expect(timeoutRun.post).rejects.toThrow("webhook request failed: TimeoutError");
    expect(timeoutRun.calls()).toBe(1);
  });
});

describe("retryAfterMs", () => {
  it("reads seconds and HTTP dates, and ignores what it cannot read", () => {
    const now = Date.parse("2026-11-24T10:00:00Z");
    expect(retryAfterMs("3", now)).toBe(3_000);
    expect(retryAfterMs("Tue, 24 Nov 2026 10:00:05 GMT", now)).toBe(5_000);
    expect(retryAfterMs("Tue, 24 Nov 2026 09:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
