import { describe, expect, it } from "vitest";
import { postToSlack } from "../../lib/sinks/slack";

const message = { text: "t", blocks: [] };
const SECRET_URL = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX";

describe("postToSlack", () => {
  it("posts the message as JSON", async () => {
    const calls: [string, RequestInit][] = [];
    await postToSlack(SECRET_URL, message, {
      timeoutMs: 1_000,
      fetch: async (url, init) => {
        calls.push([String(url), init!]);
        return new Response("ok", { status: 200 });
      },
    });
    expect(calls).toHaveLength(1);
    expect(calls[0]![1].method).toBe("POST");
    expect(JSON.parse(String(calls[0]![1].body))).toEqual(message);
  });

  it("reports Slack's error code, never the URL", async () => {
    const post = postToSlack(SECRET_URL, message, {
      timeoutMs: 1_000,
      fetch: async () => new Response("invalid_blocks", { status: 400 }),
    });
    await expect(post).rejects.toThrow("slack: webhook answered 400 (invalid_blocks)");
  });

  it("reports a network failure by its code, dropping a message that quotes the URL", async () => {
    const post = postToSlack(SECRET_URL, message, {
      timeoutMs: 1_000,
      fetch: async () => {
        throw Object.assign(new TypeError(`fetch failed for ${SECRET_URL}`), {
          cause: { code: "ENOTFOUND" },
        });
      },
    });
    await expect(post).rejects.toThrow("slack: webhook request failed: TypeError (ENOTFOUND)");
    await expect(post).rejects.not.toThrow(/XXXXsecretXXXX/);
  });

  it("gives up after the timeout", async () => {
    const post = postToSlack(SECRET_URL, message, {
      timeoutMs: 50,
      fetch: (_url, init) =>
        new Promise((_resolve, reject) =>
          init!.signal!.addEventListener("abort", () => reject(init!.signal!.reason)),
        ),
    });
    await expect(post).rejects.toThrow("slack: webhook request failed: TimeoutError");
  });
});
