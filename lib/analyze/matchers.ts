/** Success-code matchers of a health check (`200`, `200,204`, `200-299`), read as AWS reads them. */

/** HTTP matchers range over 200–599, gRPC ones over 0–99. */
const MAX_CODE = 599;

/**
 * A matcher (`200`, `200,204`, `200-299`, or a mix) as a predicate; undefined when it does not
 * parse, so callers never judge codes against a matcher they misread.
 */
export function parseMatcher(spec: string): ((code: number) => boolean) | undefined {
  const parts = spec.split(",").map((p) => p.trim());
  const ranges: [number, number][] = [];
  for (const part of parts) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return undefined;
    const low = Number(m[1]);
    const high = m[2] !== undefined ? Number(m[2]) : low;
    if (high < low || high > MAX_CODE) return undefined;
    ranges.push([low, high]);
  }
  return (code) => ranges.some(([low, high]) => code >= low && code <= high);
}

/** The set of codes a matcher accepts, for comparing two spellings of the same matcher. */
export function matcherCodes(spec: string): Set<number> | undefined {
  const accepts = parseMatcher(spec);
  if (!accepts) return undefined;
  const codes = new Set<number>();
  for (let code = 0; code <= MAX_CODE; code += 1) if (accepts(code)) codes.add(code);
  return codes;
}
