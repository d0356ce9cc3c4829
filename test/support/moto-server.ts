/**
 * A real AWS emulator for tests: `moto_server` (Python moto 5.x, on every machine of this kind)
 * started on a free 127.0.0.1 port, one process per test file. It speaks the real wire protocols
 * of ELBv2, EC2, EKS, STS, Step Functions, ... so the SDK clients under test are the real ones
 * pointed at `endpoint`. `reset()` empties every backend between tests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

export interface MotoServer {
  endpoint: string;
  port: number;
  /** Client settings for any SDK v3 client: endpoint, region, fixed credentials, no retries. */
  clientConfig: (region?: string) => {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    maxAttempts: number;
  };
  /**
   * An EC2 call over its query protocol, for test setup (VPCs, subnets, instances) without an
   * EC2 client; returns the XML answer. `idIn(xml, "vpcId")` reads one field of it.
   */
  ec2: (action: string, params: Record<string, string>, region?: string) => Promise<string>;
  /** POST /moto-api/reset: every backend starts empty again. */
  reset: () => Promise<void>;
  /** POST /moto-api/config, e.g. `{ stepfunctions: { execute_state_machine: true } }`. */
  configure: (settings: Record<string, unknown>) => Promise<void>;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function waitUntilUp(endpoint: string, child: ChildProcess, deadlineMs: number) {
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - started > deadlineMs) throw new Error("moto_server did not start in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts moto_server (or `python3 -m moto.server` where the script is not on PATH). */
export async function startMoto(): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // MOTO_PORT: Step Functions tasks that call other services reach this same server.
  const env = { ...process.env, MOTO_PORT: String(port) };
  const args = ["-H", "127.0.0.1", "-p", String(port)];
  let child = spawn("moto_server", args, { env, stdio: "ignore" });
  const spawned = await new Promise<boolean>((resolve) => {
    child.once("spawn", () => resolve(true));
    child.once("error", () => resolve(false));
  });
  if (!spawned) {
    child = spawn("python3", ["-m", "moto.server", ...args], { env, stdio: "ignore" });
  }
  try {
    await waitUntilUp(endpoint, child, 30_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const post = async (path: string, body?: unknown) => {
    const res = await fetch(`${endpoint}${path}`, {
      method: "POST",
      ...(body
        ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } }
        : {}),
    });
    if (!res.ok) throw new Error(`moto ${path}: ${res.status}`);
  };
  const ec2 = async (action: string, params: Record<string, string>, region = "eu-west-1") => {
    const res = await fetch(endpoint, {
      method: "POST",
      body: new URLSearchParams({ Action: action, Version: "2016-11-15", ...params }),
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        // moto reads the service and region from the credential scope; nothing checks the rest.
        authorization: `AWS4-HMAC-SHA256 Credential=AKIDMOTO/20261201/${region}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
      },
    });
    const xml = await res.text();
    if (!res.ok) throw new Error(`EC2 ${action}: ${res.status} ${xml.slice(0, 300)}`);
    return xml;
  };
  return {
    endpoint,
    port,
    ec2,
    clientConfig: (region = "eu-west-1") => ({
      endpoint,
      region,
      credentials: { accessKeyId: "AKIDMOTO", secretAccessKey: "moto-secret" },
      maxAttempts: 1,
    }),
    reset: () => post("/moto-api/reset"),
    configure: (settings) => post("/moto-api/config", settings),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        // A loaded machine can keep it from handling SIGTERM in time; it is ours to end.
        setTimeout(() => child.exitCode === null && child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}

/** The first `<tag>value</tag>` of an EC2 XML answer. */
export const idIn = (xml: string, tag: string): string =>
  new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(xml)?.[1] ?? "";

/** The region's default VPC, which moto creates when it starts. */
export async function defaultVpcId(moto: MotoServer, region = "eu-west-1"): Promise<string> {
  const vpc = idIn(await moto.ec2("DescribeVpcs", {}, region), "vpcId");
  if (!vpc) throw new Error("moto_server returned no default VPC");
  return vpc;
}
