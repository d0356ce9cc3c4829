import { describe, expect, it, vi } from "vitest";
import {
  EKS_TOKEN_PREFIX,
  createEksTokenProvider,
  signEksToken,
  stsHostname,
} from "../../lib/collect/eks-token";

const CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};
const T0 = new Date("2026-11-24T10:00:00Z");

function decode(token: string): URL {
  expect(token.startsWith(EKS_TOKEN_PREFIX)).toBe(true);
  const body = token.slice(EKS_TOKEN_PREFIX.length);
  expect(body).toMatch(/^[A-Za-z0-9_-]+$/); // base64url, no padding
  return new URL(Buffer.from(body, "base64url").toString("utf8"));
}

describe("EKS token", () => {
  it("is a presigned STS GetCallerIdentity URL bound to the cluster", async () => {
    const token = await signEksToken({
      clusterName: "prod",
      region: "eu-west-1",
      credentials: CREDENTIALS,
      now: () => T0,
    });
    const url = decode(token);
    expect(url.protocol).toBe("https:");
    expect(url.host).toBe("sts.eu-west-1.amazonaws.com");
    expect(url.pathname).toBe("/");
    const q = url.searchParams;
    expect(q.get("Action")).toBe("GetCallerIdentity");
    expect(q.get("Version")).toBe("2011-06-15");
    expect(q.get("X-Amz-Expires")).toBe("60");
    expect(q.get("X-Amz-Algorithm")).toBe("AWS4-HMAC-SHA256");
    expect(q.get("X-Amz-Date")).toBe("20261124T100000Z");
    expect(q.get("X-Amz-SignedHeaders")?.split(";")).toEqual(
      expect.arrayContaining(["host", "x-k8s-aws-id"]),
    );
    expect(q.get("X-Amz-Credential")).toBe("AKIDEXAMPLE/20261124/eu-west-1/sts/aws4_request");
    expect(q.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
  });

  it("signs the cluster name: another cluster gets another signature", async () => {
    const sign = (clusterName: string) =>
      signEksToken({ clusterName, region: "eu-west-1", credentials: CREDENTIALS, now: () => T0 });
    const [a, b, again] = await Promise.all([sign("prod"), sign("staging"), sign("prod")]);
    expect(a).toBe(again);
    expect(decode(a).searchParams.get("X-Amz-Signature")).not.toBe(
      decode(b).searchParams.get("X-Amz-Signature"),
    );
  });

  it("carries a session token from temporary credentials", async () => {
    const token = await signEksToken({
      clusterName: "prod",
      region: "us-east-2",
      credentials: { ...CREDENTIALS, sessionToken: "IQoJb3JpZ2luX2VjE+/a==" },
      now: () => T0,
    });
    const url = decode(token);
    expect(url.host).toBe("sts.us-east-2.amazonaws.com");
    expect(url.searchParams.get("X-Amz-Security-Token")).toBe("IQoJb3JpZ2luX2VjE+/a==");
  });

  it("uses the China partition's STS host in cn- regions", () => {
    expect(stsHostname("cn-north-1")).toBe("sts.cn-north-1.amazonaws.com.cn");
  });

  it("is reused within the window without re-signing and renewed after it", async () => {
    let now = T0;
    const credentials = vi.fn(async () => CREDENTIALS);
    const token = createEksTokenProvider({
      clusterName: "prod",
      region: "eu-west-1",
      credentials,
      now: () => now,
    });
    const first = await token();
    expect(credentials).toHaveBeenCalledTimes(1);

    now = new Date(T0.getTime() + 9 * 60_000 + 59_000);
    const [second, third] = await Promise.all([token(), token()]);
    expect(second).toBe(first);
    expect(third).toBe(first);
    expect(credentials).toHaveBeenCalledTimes(1);

    now = new Date(T0.getTime() + 10 * 60_000);
    const renewed = await token();
    expect(credentials).toHaveBeenCalledTimes(2);
    expect(renewed).not.toBe(first);
    expect(decode(renewed).searchParams.get("X-Amz-Date")).toBe("20261124T101000Z");
  });

  it("does not keep a failed signature for the window", async () => {
    const credentials = vi
      .fn<() => Promise<typeof CREDENTIALS>>()
      .mockRejectedValueOnce(new Error("no credentials"))
      .mockResolvedValue(CREDENTIALS);
    const token = createEksTokenProvider({
      clusterName: "prod",
      region: "eu-west-1",
      credentials,
      now: () => T0,
    });
    await expect(token()).rejects.toThrow("no credentials");
    await expect(token()).resolves.toMatch(/^k8s-aws-v1\./);
  });
});
