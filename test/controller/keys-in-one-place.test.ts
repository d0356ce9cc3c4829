/**
 * The controller's annotation, label and tag keys are spelled in lib/controller/ alone: a key
 * written out again elsewhere keeps its old spelling the day the controller renames it there.
 * Every string literal (and the fixed start of every template) in lib/ and functions/ outside
 * lib/controller/ that is such a key, or one of their prefixes, is reported.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../..", import.meta.url).pathname;

/** The key spaces of the controller and of the node selection it follows. */
const KEY = new RegExp(
  "^(" +
    [
      "alb\\.ingress\\.kubernetes\\.io/",
      "service\\.beta\\.kubernetes\\.io/",
      "service\\.kubernetes\\.io/",
      "ingress\\.k8s\\.aws/",
      "service\\.k8s\\.aws/",
      "elbv2\\.k8s\\.aws/cluster",
      "gateway\\.k8s\\.aws\\.(alb|nlb)/",
      "node\\.kubernetes\\.io/",
      "node-role\\.kubernetes\\.io/",
      "alpha\\.service-controller\\.kubernetes\\.io/",
      "eks\\.amazonaws\\.com/",
      "karpenter\\.sh/",
      "kubernetes\\.io/(role|cluster)/",
    ].join("|") +
    ")[\\w./-]*$",
);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return files(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

/** `file:line "text"` of every literal in the source that is a key. */
function keyLiterals(file: string, source: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const hits: string[] = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node)
    ) {
      if (KEY.test(node.text)) {
        const line = sf.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        hits.push(`${file}:${line} "${node.text}"`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return hits;
}

describe("the controller's keys", () => {
  it("finds a key in a string, a template's start and as a prefix, not in prose", () => {
    const src = [
      `const a = "alb.ingress.kubernetes.io/healthcheck-port";`,
      "const b = `kubernetes.io/cluster/${name}`;",
      `const c = 'service.beta.kubernetes.io/';`,
      `const d = "Set alb.ingress.kubernetes.io/healthcheck-path to the probe's path";`,
      `// "ingress.k8s.aws/stack" in a comment`,
    ].join("\n");
    expect(keyLiterals("x.ts", src)).toEqual([
      `x.ts:1 "alb.ingress.kubernetes.io/healthcheck-port"`,
      `x.ts:2 "kubernetes.io/cluster/"`,
      `x.ts:3 "service.beta.kubernetes.io/"`,
    ]);
  });

  it("are spelled in lib/controller/ only", () => {
    const hits = ["lib", "functions"]
      .flatMap((d) => files(join(ROOT, d)))
      .filter((f) => !relative(ROOT, f).startsWith("lib/controller/"))
      .flatMap((f) => keyLiterals(relative(ROOT, f), readFileSync(f, "utf8")));
    expect(hits).toEqual([]);
  });
});
