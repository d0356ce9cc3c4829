/**
 * The fleet definition: which EKS clusters one deployment audits, in which account and region,
 * through which role. Read from a YAML (or JSON) file at package time and from the deployment or
 * an SSM parameter at run time; both go through `parseFleet`, so a bad entry fails the same way
 * in both places, with one line naming it.
 */
import { load as loadYaml } from "js-yaml";
import { z } from "zod";
import { CLUSTER_NAME_PATTERN, REGION_PATTERN } from "../config";

export class FleetError extends Error {
  override name = "FleetError";
}

const ACCOUNT = /^\d{12}$/;
const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
// sts:ExternalId allows 2–1224 characters of this set.
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

const clusterSchema = z
  .object({
    name: z.string().regex(CLUSTER_NAME_PATTERN, "is not a valid EKS cluster name"),
    account: z.string().regex(ACCOUNT, "must be a 12-digit AWS account id (quote it in YAML)"),
    region: z.string().regex(REGION_PATTERN, "is not an AWS region"),
    roleArn: z.string().regex(ROLE_ARN, "is not an IAM role ARN").optional(),
    externalId: z.string().regex(EXTERNAL_ID, "is not a valid sts:ExternalId").optional(),
  })
  .strict();

const fleetSchema = z
  .object({
    defaults: z
      .object({
        /** The member role's name in every account (infra/member-role.yml creates it). */
        roleName: z.string().regex(ROLE_NAME, "is not an IAM role name").optional(),
        externalId: z.string().regex(EXTERNAL_ID, "is not a valid sts:ExternalId").optional(),
      })
      .strict()
      .optional(),
    clusters: z.array(clusterSchema).min(1, "must list at least one cluster"),
  })
  .strict();

export type FleetInput = z.infer<typeof fleetSchema>;

/** One cluster to audit, with the role already resolved. */
export interface FleetCluster {
  name: string;
  account: string;
  region: string;
  /** The read-only member role to assume, in the cluster's account (its own account too). */
  roleArn: string;
  externalId?: string;
}

export interface Fleet {
  clusters: FleetCluster[];
}

export interface ParseFleetOptions {
  /** Names the source in error messages ("infra/fleet.yml", "SSM /alb/fleet"). */
  source?: string;
}

function describeEntry(input: unknown, index: number): string {
  const entry = (input as { clusters?: unknown[] } | undefined)?.clusters?.[index] as
    { name?: unknown } | undefined;
  return typeof entry?.name === "string"
    ? `clusters[${index}] (${entry.name})`
    : `clusters[${index}]`;
}

function firstProblem(input: unknown, issue: z.ZodIssue): string {
  const [head, index, ...rest] = issue.path;
  const where =
    head === "clusters" && typeof index === "number"
      ? [describeEntry(input, index), ...rest].join(".")
      : issue.path.join(".");
  const what =
    issue.code === "unrecognized_keys"
      ? `unknown field(s) ${issue.keys.join(", ")}`
      : issue.code === "invalid_type" && issue.received === "undefined"
        ? "is required"
        : issue.message;
  return where ? `${where}: ${what}` : what;
}

/** Validates a parsed fleet document and resolves each cluster's role. */
export function parseFleet(input: unknown, options: ParseFleetOptions = {}): Fleet {
  const prefix = options.source ? `${options.source}: ` : "";
  const parsed = fleetSchema.safeParse(input);
  if (!parsed.success) {
    throw new FleetError(`${prefix}${firstProblem(input, parsed.error.issues[0] as z.ZodIssue)}`);
  }
  const { defaults, clusters } = parsed.data;
  const seen = new Map<string, number>();
  const out = clusters.map((c, i): FleetCluster => {
    const where = `${prefix}${describeEntry(input, i)}`;
    const key = `${c.account}/${c.region}/${c.name}`;
    const before = seen.get(key);
    if (before !== undefined) {
      throw new FleetError(`${where}: the same cluster as clusters[${before}] (${key})`);
    }
    seen.set(key, i);
    const roleAccount = c.roleArn ? ROLE_ARN.exec(c.roleArn)?.[1] : undefined;
    if (roleAccount && roleAccount !== c.account) {
      throw new FleetError(
        `${where}: roleArn is in account ${roleAccount}, the cluster in ${c.account}`,
      );
    }
    const roleArn =
      c.roleArn ??
      (defaults?.roleName ? `arn:aws:iam::${c.account}:role/${defaults.roleName}` : undefined);
    // The auditor's own account gets the member role too: one way in, the same least privilege.
    if (!roleArn) throw new FleetError(`${where}: roleArn is required (or defaults.roleName)`);
    const externalId = c.externalId ?? defaults?.externalId;
    return {
      name: c.name,
      account: c.account,
      region: c.region,
      roleArn,
      ...(externalId ? { externalId } : {}),
    };
  });
  return { clusters: out };
}

/** Parses YAML or JSON text (JSON is YAML) into a fleet; syntax errors name the line, never echo it. */
export function parseFleetText(text: string, options: ParseFleetOptions = {}): Fleet {
  let doc: unknown;
  try {
    doc = loadYaml(text, { json: true });
  } catch (error) {
    const mark = (error as { mark?: { line?: number } }).mark;
    const where = typeof mark?.line === "number" ? ` at line ${mark.line + 1}` : "";
    throw new FleetError(`${options.source ? `${options.source}: ` : ""}not valid YAML${where}`);
  }
  return parseFleet(doc, options);
}
