/**
 * Folds the CloudFormation conditions that packaging already decides. serverless.yml says
 * "this policy only when a Slack parameter is set" in CloudFormation's own words (Conditions,
 * `Condition:`, `Fn::If`), but every parameter is substituted before CloudFormation sees the
 * template, so each such condition compares two literals. Deciding them here leaves a template
 * with exactly the resources this deployment gets: no `Resource: ""` in a policy that will
 * never exist, no condition that is always true (cfn-lint E3510, W8003).
 *
 * A condition that depends on something only CloudFormation knows (a stack parameter, a Ref)
 * is kept as it is.
 */

type Json = unknown;
interface Entry {
  Condition?: string;
  DependsOn?: string | string[];
  [key: string]: Json;
}
export interface Template {
  Conditions?: Record<string, Json>;
  Resources: Record<string, Entry>;
  Outputs?: Record<string, Entry>;
  [section: string]: Json;
}

const isObject = (v: Json): v is Record<string, Json> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isScalar = (v: Json) => ["string", "number", "boolean"].includes(typeof v);
const only = (v: Json, key: string): Json =>
  isObject(v) && Object.keys(v).length === 1 && key in v ? v[key] : undefined;

/** true, false, or undefined when CloudFormation has to decide. */
function evaluate(
  expression: Json,
  valueOf: (name: string) => boolean | undefined,
): boolean | undefined {
  const equals = only(expression, "Fn::Equals");
  if (Array.isArray(equals)) {
    const [a, b] = equals;
    // CloudFormation compares strings; a boolean from strToBool reads as "true"/"false".
    return isScalar(a) && isScalar(b) ? String(a) === String(b) : undefined;
  }
  const not = only(expression, "Fn::Not");
  if (Array.isArray(not)) {
    const v = evaluate(not[0], valueOf);
    return v === undefined ? undefined : !v;
  }
  for (const [key, identity] of [
    ["Fn::And", true],
    ["Fn::Or", false],
  ] as const) {
    const parts = only(expression, key);
    if (!Array.isArray(parts)) continue;
    const values = parts.map((p) => evaluate(p, valueOf));
    // Any part equal to the absorbing value decides; otherwise all must be known.
    if (values.includes(!identity)) return !identity;
    return values.includes(undefined) ? undefined : identity;
  }
  const ref = only(expression, "Condition");
  return typeof ref === "string" ? valueOf(ref) : undefined;
}

const NO_VALUE = Symbol("AWS::NoValue");

/** Picks the branch of every decided Fn::If; AWS::NoValue removes the property or item. */
function resolveIfs(value: Json, decided: Map<string, boolean>): Json | typeof NO_VALUE {
  if (Array.isArray(value)) {
    return value.map((v) => resolveIfs(v, decided)).filter((v) => v !== NO_VALUE);
  }
  if (!isObject(value)) return value;
  const branches = only(value, "Fn::If");
  if (Array.isArray(branches) && typeof branches[0] === "string") {
    const verdict = decided.get(branches[0]);
    if (verdict !== undefined) return resolveIfs(verdict ? branches[1] : branches[2], decided);
  }
  if (only(value, "Ref") === "AWS::NoValue") return NO_VALUE;
  const out: Record<string, Json> = {};
  for (const [key, v] of Object.entries(value)) {
    const resolved = resolveIfs(v, decided);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

/** Logical ids a value refers to through Ref or Fn::GetAtt. */
function references(value: Json, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) references(v, found);
  else if (isObject(value)) {
    const ref = only(value, "Ref");
    const getAtt = only(value, "Fn::GetAtt");
    if (typeof ref === "string") found.add(ref);
    else if (Array.isArray(getAtt) && typeof getAtt[0] === "string") found.add(getAtt[0]);
    else if (typeof getAtt === "string") found.add(getAtt.split(".")[0]!);
    else for (const v of Object.values(value)) references(v, found);
  }
  return found;
}

/** The template with every decidable condition applied. Throws on a reference it would break. */
export function foldConditions(template: Template): Template {
  const conditions = template.Conditions ?? {};
  const decided = new Map<string, boolean>();
  const visiting = new Set<string>();
  const valueOf = (name: string): boolean | undefined => {
    if (decided.has(name)) return decided.get(name);
    if (visiting.has(name) || !(name in conditions)) return undefined;
    visiting.add(name);
    const v = evaluate(conditions[name], valueOf);
    visiting.delete(name);
    if (v !== undefined) decided.set(name, v);
    return v;
  };
  for (const name of Object.keys(conditions)) valueOf(name);

  const removed = new Set<string>();
  const keep = (section: Record<string, Entry> | undefined, kind: string) => {
    const out: Record<string, Entry> = {};
    for (const [id, entry] of Object.entries(section ?? {})) {
      const verdict = entry.Condition === undefined ? true : decided.get(entry.Condition);
      if (verdict === false) {
        if (kind === "resource") removed.add(id);
        continue;
      }
      const { Condition, ...rest } = entry;
      out[id] = (verdict === undefined ? { Condition, ...rest } : rest) as Entry;
    }
    return out;
  };
  const resources = keep(template.Resources, "resource");
  const outputs = keep(template.Outputs, "output");

  const folded = (section: Record<string, Entry>) => {
    const out: Record<string, Entry> = {};
    for (const [id, entry] of Object.entries(section)) {
      const value = resolveIfs(entry, decided) as Entry;
      if (value.DependsOn !== undefined) {
        const on = [value.DependsOn].flat().filter((d) => !removed.has(d));
        if (on.length === 0) delete value.DependsOn;
        else value.DependsOn = on;
      }
      const broken = [...references(value)].filter((r) => removed.has(r));
      if (broken.length > 0) {
        throw new Error(
          `${id} refers to ${broken.join(", ")}, which its condition leaves out of this deployment`,
        );
      }
      out[id] = value;
    }
    return out;
  };

  const result: Template = { ...template, Resources: folded(resources) };
  if (template.Outputs) result.Outputs = folded(outputs);
  // Conditions CloudFormation still decides, and the decided ones they build on.
  const left = Object.fromEntries(
    Object.entries(conditions).filter(([name]) => !decided.has(name)),
  );
  const mentioned = JSON.stringify(left);
  for (const name of decided.keys()) {
    if (mentioned.includes(`"Condition":"${name}"`)) left[name] = conditions[name];
  }
  if (Object.keys(left).length > 0) result.Conditions = left;
  else delete result.Conditions;
  return result;
}
