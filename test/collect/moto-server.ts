/**
 * moto_server on a free 127.0.0.1 port, started by the test that needs it and stopped by it.
 * For the AWS calls moto answers faithfully (ELBv2 inventory, not-found errors); throttling and
 * unhealthy target states stay with aws-sdk-client-mock.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";

export interface Moto {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

async function waitUntilUp(endpoint: string, child: ChildProcess, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode})`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`moto_server did not answer within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startMoto(region = "eu-west-1"): Promise<Moto> {
  const port = await freePort();
  const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: "ignore",
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilUp(endpoint, child, 30_000);
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    endpoint,
    region,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill();
        // A loaded machine can keep it from handling SIGTERM in time; it is ours to end.
        setTimeout(() => child.exitCode === null && child.kill("SIGKILL"), 5_000).unref();
      }),
  };
}

/**
 * The region's default VPC, which moto creates on start. Asked with a plain EC2 query (moto does
 * not check signatures; the credential scope tells it the service), so no EC2 client is needed.
 */
export async function defaultVpcId(moto: Moto): Promise<string> {
  const res = await fetch(`${moto.endpoint}/`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${moto.region}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: "Action=DescribeVpcs&Version=2016-11-15",
  });
  const vpc = /<vpcId>(vpc-[0-9a-f]+)<\/vpcId>/.exec(await res.text())?.[1];
  if (!vpc) throw new Error("moto_server returned no default VPC");
  return vpc;
}
