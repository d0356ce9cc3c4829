/**
 * EKS bearer tokens for IAM sign-in: the API server (aws-iam-authenticator) replays a
 * presigned STS GetCallerIdentity URL to learn who the caller is, and the signed
 * `x-k8s-aws-id` header binds the URL to one cluster so it cannot be replayed elsewhere.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { SignatureV4 } from "@smithy/signature-v4";

type SignerCredentials = ConstructorParameters<typeof SignatureV4>[0]["credentials"];
type PresignRequest = Parameters<SignatureV4["presign"]>[0];

export const EKS_TOKEN_PREFIX = "k8s-aws-v1.";

/** The server accepts a token for 15 minutes after X-Amz-Date, whatever X-Amz-Expires says. */
export const EKS_TOKEN_LIFETIME_MS = 15 * 60_000;
/** Reuse well below the lifetime so a token never expires in the middle of a paged list. */
export const EKS_TOKEN_REUSE_MS = 10 * 60_000;

export interface EksTokenOptions {
  clusterName: string;
  region: string;
  /** Static credentials or a provider; defaults to the default credential chain. */
  credentials?: SignerCredentials;
  /** Clock, for tests. */
  now?: () => Date;
}

export function stsHostname(region: string): string {
  return `sts.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`;
}

/** Signs one fresh token. Prefer `createEksTokenProvider`, which caches. */
export async function signEksToken(options: EksTokenOptions): Promise<string> {
  const { clusterName, region } = options;
  const hostname = stsHostname(region);
  const signer = new SignatureV4({
    service: "sts",
    region,
    sha256: Sha256,
    credentials: options.credentials ?? defaultProvider(),
  });
  const request: PresignRequest = {
    method: "GET",
    protocol: "https:",
    hostname,
    path: "/",
    query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
    headers: { host: hostname, "x-k8s-aws-id": clusterName },
  };
  const signed = await signer.presign(request, {
    expiresIn: 60,
    signingDate: (options.now ?? (() => new Date()))(),
  });
  const query = Object.entries(signed.query ?? {})
    .flatMap(([key, value]) => (Array.isArray(value) ? value : [value]).map((v) => [key, v]))
    .map(([key, value]) => `${encodeURIComponent(key ?? "")}=${encodeURIComponent(value ?? "")}`)
    .join("&");
  const url = `https://${hostname}/?${query}`;
  return EKS_TOKEN_PREFIX + Buffer.from(url, "utf8").toString("base64url");
}

/**
 * A token source for one cluster that signs at most once per reuse window and shares an
 * in-flight signature between concurrent callers. The token is a credential: never log it.
 */
export function createEksTokenProvider(
  options: EksTokenOptions & { reuseMs?: number },
): () => Promise<string> {
  const now = options.now ?? (() => new Date());
  const reuseMs = Math.min(options.reuseMs ?? EKS_TOKEN_REUSE_MS, EKS_TOKEN_LIFETIME_MS);
  // One credentials provider for every signature, so the default chain resolves once.
  const credentials = options.credentials ?? defaultProvider();
  let cached: { token: Promise<string>; signedAt: number } | undefined;
  return () => {
    const at = now().getTime();
    if (cached && at - cached.signedAt < reuseMs) return cached.token;
    const entry = {
      signedAt: at,
      token: signEksToken({ ...options, credentials, now: () => new Date(at) }),
    };
    cached = entry;
    // A failed signature must not stay cached for the whole window.
    entry.token.catch(() => {
      if (cached === entry) cached = undefined;
    });
    return entry.token;
  };
}
