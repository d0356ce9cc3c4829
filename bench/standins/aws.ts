/**
 * A local stand-in for the AWS APIs the collector calls, spoken in their real wire protocols so
 * the real SDK clients run end to end (pointed here with `endpoint`): ELBv2 over the Query
 * protocol (form-encoded request, XML answer), CloudWatch GetMetricData over JSON 1.0, EKS
 * DescribeCluster over REST-JSON. It serves one synthetic account: the load balancers and target
 * groups of a snapshot, and host-count metrics derived from that snapshot's target health.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SnapshotInput } from "../../lib/snapshot/schema";
import { Faults, type FaultOptions } from "./faults";

type Aws = Required<SnapshotInput["aws"]>;
type TargetGroupJson = Aws["targetGroups"][number];

export interface AwsWorld {
  loadBalancers: Aws["loadBalancers"];
  /** With their Tags and TargetHealthDescriptions, as in a snapshot. */
  targetGroups: TargetGroupJson[];
  cluster: { name: string; vpcId: string; endpoint: string; caData: string };
}

export interface AwsStandIn {
  url: string;
  faults: Faults;
  close(): Promise<void>;
}

const ELB_NS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";
const MAX_PAGE = 400;
const MAX_TAG_ARNS = 20;

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The Query protocol's XML for an SDK output shape: lists as `member` elements. */
function toXml(name: string, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value))
    return `<${name}>${value.map((v) => toXml("member", v)).join("")}</${name}>`;
  if (typeof value === "object") {
    const inner = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => toXml(k, v))
      .join("");
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

let requestIds = 0;
const requestId = () => `00000000-0000-4000-8000-${(++requestIds).toString(16).padStart(12, "0")}`;

function elbAnswer(action: string, result: Record<string, unknown>): string {
  const inner = Object.entries(result)
    .map(([k, v]) => toXml(k, v))
    .join("");
  return (
    `<${action}Response xmlns="${ELB_NS}"><${action}Result>${inner}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></${action}Response>`
  );
}

function elbError(code: string, message: string): string {
  return (
    `<ErrorResponse xmlns="${ELB_NS}"><Error><Type>Sender</Type><Code>${code}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`
  );
}

/** `Prefix.member.N` values of a Query request, in order. */
const members = (form: URLSearchParams, prefix: string): string[] =>
  [...form.entries()]
    .filter(([k]) => k.startsWith(`${prefix}.member.`))
    .sort(([a], [b]) => Number(a.split(".").pop()) - Number(b.split(".").pop()))
    .map(([, v]) => v);

function page<T>(items: T[], form: URLSearchParams): { items: T[]; next?: string } {
  const size = Math.min(MAX_PAGE, Number(form.get("PageSize") ?? MAX_PAGE));
  const offset = Number(form.get("Marker") ?? 0);
  const slice = items.slice(offset, offset + size);
  return offset + size < items.length
    ? { items: slice, next: String(offset + size) }
    : { items: slice };
}

/** What the UnHealthyHostCount / HealthyHostCount metrics of a group would show. */
function hostCounts(tg: TargetGroupJson): { unhealthy: number; healthy: number } {
  let unhealthy = 0;
  let healthy = 0;
  for (const d of tg.TargetHealthDescriptions ?? []) {
    if (d.TargetHealth?.State === "healthy") healthy++;
    else if (d.TargetHealth?.State === "unhealthy") unhealthy++;
  }
  return { unhealthy, healthy };
}

const lbDimension = (arn: string) => arn.split(":")[5]?.replace(/^loadbalancer\//, "");
const tgDimension = (arn: string) => arn.split(":")[5];

interface MetricQuery {
  Id: string;
  MetricStat: {
    Metric: {
      Namespace: string;
      MetricName: string;
      Dimensions: { Name: string; Value: string }[];
    };
    Period: number;
    Stat: string;
  };
}

export async function startAwsStandIn(
  world: AwsWorld,
  faults: FaultOptions = {},
): Promise<AwsStandIn> {
  const f = new Faults(faults);
  const listedGroups = world.targetGroups.map((tg) => {
    const { Tags: _t, TargetHealthDescriptions: _h, ...listed } = tg;
    return listed;
  });
  const byArn = new Map(world.targetGroups.map((tg) => [tg.TargetGroupArn, tg]));
  const metrics = new Map<string, { unhealthy: number; healthy: number }>();
  for (const tg of world.targetGroups) {
    for (const lb of tg.LoadBalancerArns ?? []) {
      metrics.set(`${tgDimension(tg.TargetGroupArn)} ${lbDimension(lb)}`, hostCounts(tg));
    }
  }

  function elb(form: URLSearchParams): { status: number; body: string } {
    const action = form.get("Action") ?? "";
    switch (action) {
      case "DescribeLoadBalancers": {
        const p = page(world.loadBalancers, form);
        return {
          status: 200,
          body: elbAnswer(action, { LoadBalancers: p.items, NextMarker: p.next }),
        };
      }
      case "DescribeTargetGroups": {
        const p = page(listedGroups, form);
        return {
          status: 200,
          body: elbAnswer(action, { TargetGroups: p.items, NextMarker: p.next }),
        };
      }
      case "DescribeTags": {
        const arns = members(form, "ResourceArns");
        if (arns.length > MAX_TAG_ARNS) {
          return { status: 400, body: elbError("ValidationError", "at most 20 resource ARNs") };
        }
        const TagDescriptions = arns.map((ResourceArn) => ({
          ResourceArn,
          Tags: byArn.get(ResourceArn)?.Tags ?? [],
        }));
        return { status: 200, body: elbAnswer(action, { TagDescriptions }) };
      }
      case "DescribeTargetHealth": {
        const tg = byArn.get(form.get("TargetGroupArn") ?? "");
        if (!tg) return { status: 400, body: elbError("TargetGroupNotFound", "not found") };
        return {
          status: 200,
          body: elbAnswer(action, { TargetHealthDescriptions: tg.TargetHealthDescriptions ?? [] }),
        };
      }
      default:
        return { status: 400, body: elbError("InvalidAction", `unknown action ${action}`) };
    }
  }

  function getMetricData(input: {
    MetricDataQueries: MetricQuery[];
    StartTime: number;
    EndTime: number;
  }): unknown {
    const points = Math.max(1, Math.round((input.EndTime - input.StartTime) / 60));
    const timestamps = Array.from({ length: points }, (_, i) => input.EndTime - (i + 1) * 60);
    return {
      MetricDataResults: input.MetricDataQueries.map((q) => {
        const dims = Object.fromEntries(
          q.MetricStat.Metric.Dimensions.map((d) => [d.Name, d.Value]),
        );
        const counts = metrics.get(`${dims.TargetGroup} ${dims.LoadBalancer}`);
        const value =
          q.MetricStat.Metric.MetricName === "UnHealthyHostCount"
            ? counts?.unhealthy
            : counts?.healthy;
        return {
          Id: q.Id,
          Label: q.MetricStat.Metric.MetricName,
          Timestamps: value === undefined ? [] : timestamps,
          Values: value === undefined ? [] : timestamps.map(() => value),
          StatusCode: "Complete",
        };
      }),
      Messages: [],
    };
  }

  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      req.on("error", reject);
    });

  const send = (res: ServerResponse, status: number, type: string, body: string) => {
    res.writeHead(status, { "content-type": type, "x-amzn-requestid": requestId() });
    res.end(body);
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await read(req);
      const target = req.headers["x-amz-target"];
      if (typeof target === "string" && target.endsWith(".GetMetricData")) {
        const json = "application/x-amz-json-1.0";
        if (!(await f.admit("cloudwatch:GetMetricData", { bucket: false }))) {
          return send(
            res,
            400,
            json,
            JSON.stringify({ __type: "Throttling", message: "Rate exceeded" }),
          );
        }
        return send(res, 200, json, JSON.stringify(getMetricData(JSON.parse(body))));
      }
      if (req.method === "GET" && req.url?.startsWith("/clusters/")) {
        await f.admit("eks:DescribeCluster", { throttle: false });
        const c = world.cluster;
        return send(
          res,
          200,
          "application/json",
          JSON.stringify({
            cluster: {
              name: c.name,
              status: "ACTIVE",
              endpoint: c.endpoint,
              certificateAuthority: { data: c.caData },
              resourcesVpcConfig: { vpcId: c.vpcId },
            },
          }),
        );
      }
      const form = new URLSearchParams(body);
      const action = form.get("Action") ?? "?";
      if (!(await f.admit(`elbv2:${action}`))) {
        return send(res, 400, "text/xml", elbError("Throttling", "Rate exceeded"));
      }
      const answer = elb(form);
      send(res, answer.status, "text/xml", answer.body);
    })().catch((error: unknown) => {
      send(res, 500, "text/plain", String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    faults: f,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
