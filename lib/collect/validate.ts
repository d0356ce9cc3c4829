/**
 * Checks each collected list against the snapshot schema on its own, so one object the
 * engine cannot read costs that list (empty plus a gap) rather than the whole audit.
 */
import type { z } from "zod";
import { firstIssue } from "../snapshot/compiled";
import { formatPath } from "../snapshot/read";
import { LIST_SCHEMAS as SCHEMAS, OPTIONAL_LIST_SCHEMAS, type Gap } from "../snapshot/schema";

type Section = keyof typeof SCHEMAS;
/** Every required list, and the optional lists that were collected (absent: not collected). */
export type CollectedLists = {
  [S in Section]: { -readonly [L in keyof (typeof SCHEMAS)[S]]: unknown[] } & {
    -readonly [L in keyof (typeof OPTIONAL_LIST_SCHEMAS)[S]]?: unknown[];
  };
};

function itemName(item: unknown): string {
  const meta = (item as { metadata?: { name?: unknown; namespace?: unknown } })?.metadata;
  if (meta && typeof meta.name === "string") {
    return typeof meta.namespace === "string" ? `${meta.namespace}/${meta.name}` : meta.name;
  }
  const aws = item as { TargetGroupArn?: unknown; LoadBalancerArn?: unknown };
  const arn = aws?.TargetGroupArn ?? aws?.LoadBalancerArn;
  return typeof arn === "string" ? arn : "?";
}

/** The list, or empty when an item does not fit (a gap for it is appended to `gaps`). */
function validList(source: string, items: unknown[], schema: z.ZodTypeAny, gaps: Gap[]): unknown[] {
  for (let index = 0; index < items.length; index++) {
    const issue = firstIssue(schema, items[index]);
    if (!issue) continue;
    const at = issue.path.length > 0 ? formatPath(issue.path) : "(item)";
    gaps.push({
      source,
      message: `${itemName(items[index])} does not fit the snapshot format at ${at}: ${issue.message}`,
    });
    return [];
  }
  return items;
}

/** Returns the lists with every invalid one emptied; appends a gap for each to `gaps`. */
export function validateLists(lists: CollectedLists, gaps: Gap[]): CollectedLists {
  const out = { aws: {}, kubernetes: {} } as Record<Section, Record<string, unknown[]>>;
  for (const section of Object.keys(SCHEMAS) as Section[]) {
    const given = lists[section] as Record<string, unknown[] | undefined>;
    for (const [name, schema] of Object.entries(SCHEMAS[section] as Record<string, z.ZodTypeAny>)) {
      out[section][name] = validList(`${section}.${name}`, given[name] ?? [], schema, gaps);
    }
    const optional = OPTIONAL_LIST_SCHEMAS[section] as Record<string, z.ZodTypeAny>;
    for (const [name, schema] of Object.entries(optional)) {
      const items = given[name];
      if (items !== undefined)
        out[section][name] = validList(`${section}.${name}`, items, schema, gaps);
    }
  }
  return out as CollectedLists;
}
