/**
 * The run order, derived from what each rule declares it runs `after`: a rule runs once every
 * rule whose findings it reads has run; ties keep the order of the list.
 */
import { AFTER_ALL, type Rule } from "./rule";

/** The codes whose findings `rule` reads, among the rules of this run. */
export function dependenciesOf(rule: Rule, rules: readonly Rule[]): Set<string> {
  if (rule.after === AFTER_ALL) {
    return new Set(rules.filter((r) => r.after !== AFTER_ALL).map((r) => r.code));
  }
  const present = new Set(rules.map((r) => r.code));
  return new Set((rule.after ?? []).filter((code) => present.has(code) && code !== rule.code));
}

/** The rules in an order that honours every `after`; throws on a cycle, naming its rules. */
export function orderRules(rules: readonly Rule[]): Rule[] {
  const waiting = rules.map((rule) => ({ rule, deps: dependenciesOf(rule, rules) }));
  const done = new Set<string>();
  const ordered: Rule[] = [];
  while (waiting.length > 0) {
    const next = waiting.findIndex(({ deps }) => [...deps].every((code) => done.has(code)));
    if (next < 0) {
      const stuck = waiting.map(({ rule }) => rule.code).join(", ");
      throw new Error(`the rules' "after" declarations form a cycle among ${stuck}`);
    }
    const { rule } = waiting.splice(next, 1)[0]!;
    ordered.push(rule);
    // A code stays pending while any rule raising it has yet to run.
    if (!waiting.some((w) => w.rule.code === rule.code)) done.add(rule.code);
  }
  return ordered;
}
