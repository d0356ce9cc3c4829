/**
 * A local stand-in for the five EC2 Describe calls of the network checks, over EC2's own Query
 * protocol (form-encoded request, `item`-list XML answer), so the real EC2 client runs end to
 * end. The XML element names come from the SDK's own schemas of the output shapes (the
 * `xmlName` of each member), which is what lets it serve any field of the world unchanged.
 * Filters the collector sends are applied through indexes, pages follow MaxResults/NextToken,
 * and ./faults adds latency and throttling (RequestLimitExceeded, as EC2 answers).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  DescribeInstancesResult$,
  DescribeNetworkAclsResult$,
  DescribeNetworkInterfacesResult$,
  DescribeSecurityGroupsResult$,
  DescribeSubnetsResult$,
} from "@aws-sdk/client-ec2";
import { Faults, type FaultOptions } from "./faults";

type Item = Record<string, unknown>;

export interface Ec2World {
  instances: Item[];
  networkInterfaces: Item[];
  securityGroups: Item[];
  subnets: Item[];
  networkAcls: Item[];
}

export interface Ec2StandIn {
  url: string;
  faults: Faults;
  close(): Promise<void>;
}

const EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/";
const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const LIST_MODIFIER = 64;

/** A schema as the SDK declares it: a number (simple type), a thunk, or a list/struct tuple. */
type Schema = number | (() => Schema) | readonly unknown[];

const resolve = (schema: unknown): Schema =>
  typeof schema === "function" ? resolve((schema as () => unknown)()) : (schema as Schema);

/** A member: its target schema and its traits (the element name among them). */
function member(raw: unknown): { schema: Schema; xmlName?: string } {
  if (Array.isArray(raw) && raw.length === 2 && (raw[1] === 0 || typeof raw[1] === "object")) {
    const traits = (raw[1] || {}) as { xmlName?: string };
    return { schema: resolve(raw[0]), ...(traits.xmlName ? { xmlName: traits.xmlName } : {}) };
  }
  return { schema: resolve(raw) };
}

function toXml(schema: Schema, value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof schema === "number") {
    if (schema & LIST_MODIFIER && Array.isArray(value)) {
      return value.map((v) => `<item>${escapeXml(String(v))}</item>`).join("");
    }
    return escapeXml(value instanceof Date ? value.toISOString() : String(value));
  }
  if (typeof schema === "function") return toXml(resolve(schema), value);
  const kind = schema[0];
  if (kind === 1) {
    const item = member(schema[4]);
    return (value as unknown[]).map((v) => `<item>${toXml(item.schema, v)}</item>`).join("");
  }
  if (kind === 3) {
    const names = schema[4] as string[];
    const members = schema[5] as unknown[];
    const object = value as Item;
    return names
      .map((name, i) => {
        const v = object[name];
        if (v === undefined || v === null) return "";
        const m = member(members[i]);
        const tag = m.xmlName ?? name;
        return `<${tag}>${toXml(m.schema, v)}</${tag}>`;
      })
      .join("");
  }
  throw new Error(`the EC2 stand-in cannot write schema kind ${String(kind)}`);
}

let requestIds = 0;
const requestId = () => `00000000-0000-4000-8000-${(++requestIds).toString(16).padStart(12, "0")}`;

function answer(action: string, schema: Schema, result: Item): string {
  return `<${action}Response xmlns="${EC2_NS}"><requestId>${requestId()}</requestId>${toXml(schema, result)}</${action}Response>`;
}

function ec2Error(code: string, message: string): string {
  return `<Response><Errors><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId()}</RequestID></Response>`;
}

/** `Filter.N.Name` / `Filter.N.Value.M` of a Query request. */
function filtersOf(form: URLSearchParams): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const [key, value] of form) {
    const m = /^Filter\.(\d+)\.Name$/.exec(key);
    if (!m) continue;
    const values = new Set<string>();
    for (const [k, v] of form) if (k.startsWith(`Filter.${m[1]}.Value.`)) values.add(v);
    out.set(value, values);
  }
  return out;
}

/** Items by the values a filter name matches, built once. */
class Index {
  private readonly byValue = new Map<string, Item[]>();
  constructor(items: Item[], values: (item: Item) => unknown[]) {
    for (const item of items) {
      for (const v of values(item)) {
        if (typeof v !== "string") continue;
        const list = this.byValue.get(v) ?? [];
        list.push(item);
        this.byValue.set(v, list);
      }
    }
  }
  get(values: Iterable<string>): Item[] {
    const seen = new Set<Item>();
    for (const v of values) for (const item of this.byValue.get(v) ?? []) seen.add(item);
    return [...seen];
  }
}

const list = (value: unknown) => (Array.isArray(value) ? (value as Item[]) : []);

interface Api {
  schema: Schema;
  all: Item[];
  field: string;
  pageMax: number;
  /** Filter name → index; the first filter of a request picks the candidates. */
  indexes: Record<string, Index>;
  wrap?: (items: Item[]) => unknown;
}

export async function startEc2StandIn(
  world: Ec2World,
  faults: FaultOptions = {},
): Promise<Ec2StandIn> {
  const f = new Faults(faults);
  const apis: Record<string, Api> = {
    DescribeInstances: {
      schema: DescribeInstancesResult$ as Schema,
      all: world.instances,
      field: "Reservations",
      pageMax: 1000,
      indexes: { "instance-id": new Index(world.instances, (i) => [i.InstanceId]) },
      // One reservation per instance, as instances launched one by one show.
      wrap: (items) =>
        items.map((i) => ({ ReservationId: `r-${String(i.InstanceId)}`, Instances: [i] })),
    },
    DescribeNetworkInterfaces: {
      schema: DescribeNetworkInterfacesResult$ as Schema,
      all: world.networkInterfaces,
      field: "NetworkInterfaces",
      pageMax: 1000,
      indexes: {
        "addresses.private-ip-address": new Index(world.networkInterfaces, (n) =>
          list(n.PrivateIpAddresses).map((a) => a.PrivateIpAddress),
        ),
        "network-interface-id": new Index(world.networkInterfaces, (n) => [n.NetworkInterfaceId]),
        "vpc-id": new Index(world.networkInterfaces, (n) => [n.VpcId]),
      },
    },
    DescribeSecurityGroups: {
      schema: DescribeSecurityGroupsResult$ as Schema,
      all: world.securityGroups,
      field: "SecurityGroups",
      pageMax: 1000,
      indexes: { "group-id": new Index(world.securityGroups, (g) => [g.GroupId]) },
    },
    DescribeSubnets: {
      schema: DescribeSubnetsResult$ as Schema,
      all: world.subnets,
      field: "Subnets",
      pageMax: 1000,
      indexes: { "subnet-id": new Index(world.subnets, (s) => [s.SubnetId]) },
    },
    DescribeNetworkAcls: {
      schema: DescribeNetworkAclsResult$ as Schema,
      all: world.networkAcls,
      field: "NetworkAcls",
      pageMax: 100,
      indexes: {
        "association.subnet-id": new Index(world.networkAcls, (a) =>
          list(a.Associations).map((s) => s.SubnetId),
        ),
        default: new Index(world.networkAcls, (a) => [String(Boolean(a.IsDefault))]),
        "vpc-id": new Index(world.networkAcls, (a) => [a.VpcId]),
      },
    },
  };

  function describe(action: string, form: URLSearchParams): { status: number; body: string } {
    const api = apis[action];
    if (!api) return { status: 400, body: ec2Error("InvalidAction", `unknown action ${action}`) };
    const filters = filtersOf(form);
    for (const [name, values] of filters) {
      if (!api.indexes[name]) {
        return { status: 400, body: ec2Error("InvalidParameterValue", `filter ${name}`) };
      }
      if (values.size > 200) {
        return {
          status: 400,
          body: ec2Error("FilterLimitExceeded", "The maximum number of filter values is 200"),
        };
      }
    }
    let matched: Item[] | undefined;
    for (const [name, values] of filters) {
      const hits = new Set((api.indexes[name] as Index).get(values));
      matched = matched ? matched.filter((i) => hits.has(i)) : [...hits];
    }
    const items = matched ?? api.all;
    const size = Math.min(api.pageMax, Number(form.get("MaxResults") ?? api.pageMax));
    const offset = Number(form.get("NextToken") ?? 0);
    const slice = items.slice(offset, offset + size);
    const result: Item = { [api.field]: api.wrap ? api.wrap(slice) : slice };
    if (offset + size < items.length) result.NextToken = String(offset + size);
    return { status: 200, body: answer(action, api.schema, result) };
  }

  const read = (req: IncomingMessage) =>
    new Promise<string>((ok, fail) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => ok(Buffer.concat(chunks).toString("utf8")));
      req.on("error", fail);
    });
  const send = (res: ServerResponse, status: number, body: string) => {
    res.writeHead(status, { "content-type": "text/xml;charset=UTF-8" });
    res.end(body);
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const form = new URLSearchParams(await read(req));
      const action = form.get("Action") ?? "?";
      if (!(await f.admit(`ec2:${action}`))) {
        return send(res, 503, ec2Error("RequestLimitExceeded", "Request limit exceeded."));
      }
      const out = describe(action, form);
      send(res, out.status, out.body);
    })().catch((error: unknown) => send(res, 500, ec2Error("InternalError", String(error))));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    faults: f,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
