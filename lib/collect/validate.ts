/**
 * Checks each collected list against the snapshot schema on its own, so one object the
 * engine cannot read costs that list (empty plus a gap) rather than the whole audit.
 */
import type { z } from "zod";
import { formatPath } from "../snapshot/read";
import { LIST_SCHEMAS as SCHEMAS, type Gap } from "../snapshot/schema";

type Section = keyof typeof SCHEMAS;
export type CollectedLists = { [S in Section]: { [L in keyof (typeof SCHEMAS)[S]]: unknown[] } };

function itemName(item: unknown): string {
  const meta = (item as { metadata?: { name?: unknown; namespace?: unknown } })?.metadata;
  if (meta && typeof meta.name === "string") {
    return typeof meta.namespace === "string" ? `${meta.namespace}/${meta.name}` : meta.name;
  }
  const aws = item as { TargetGroupArn?: unknown; LoadBalancerArn?: unknown };
  const arn = aws?.TargetGroupArn ?? aws?.LoadBalancerArn;
  return typeof arn === "string" ? arn : "?";
}

/** Returns the lists with every invalid one emptied; appends a gap for each to `gaps`. */
export function validateLists(lists: CollectedLists, gaps: Gap[]): CollectedLists {
  const out = { aws: {}, kubernetes: {} } as Record<Section, Record<string, unknown[]>>;
  for (const section of Object.keys(SCHEMAS) as Section[]) {
    const schemas = SCHEMAS[section] as Record<string, z.ZodTypeAny>;
    const given = lists[section] as Record<string, unknown[]>;
    for (const [name, schema] of Object.entries(schemas)) {
      const items = given[name] ?? [];
      let bad: { index: number; issue: z.ZodIssue } | undefined;
      for (let index = 0; index < items.length && !bad; index++) {
        const result = schema.safeParse(items[index]);
        if (!result.success && result.error.issues[0])
          bad = { index, issue: result.error.issues[0] };
      }
      out[section][name] = bad ? [] : items;
      if (bad) {
        const at = bad.issue.path.length > 0 ? formatPath(bad.issue.path) : "(item)";
        gaps.push({
          source: `${section}.${name}`,
          message: `${itemName(items[bad.index])} does not fit the snapshot format at ${at}: ${bad.issue.message}`,
        });
      }
    }
  }
  return out as CollectedLists;
}
