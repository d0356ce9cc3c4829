import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CATALOG } from "../../lib/analyze/catalog";
import { GUIDED_CODES, guideFor } from "../../lib/cli/explain";
import { markdownText } from "../../scripts/gen-catalog-docs";
import { RENDERERS } from "../../lib/cli/formats";
import { runCli } from "../../lib/cli/run";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
const dir = mkdtempSync(join(tmpdir(), "alb-audit-options-"));
const example = (name: string) => `examples/${name}.json`;
const TWO_FINDINGS = example("02-annotation-on-wrong-object"); // HC001 critical, HC005 warning
const ONE_WARNING = example("04-nginx-external-traffic-policy-local"); // TP001 warning

async function cli(...args: string[]) {
  let out = "";
  let err = "";
  const code = await runCli(args, {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    stdoutIsTTY: false,
  });
  return { code, out, err };
}

const codes = (report: { findings: { code: string }[] }) => report.findings.map((f) => f.code);

describe("--version and --help", () => {
  it("prints the package version", async () => {
    for (const flag of ["--version", "-V"]) {
      expect(await cli(flag)).toEqual({ code: 0, out: `${pkg.version}\n`, err: "" });
    }
  });

  it("lists every format of the renderer table", async () => {
    const { out } = await cli("--help");
    expect(out).toContain(`--format ${Object.keys(RENDERERS).join("|")}`);
  });
});

describe("--docs-url URL", () => {
  const DOCS = "https://github.com/acme/alb-health-auditor/blob/main/docs";

  it("links each finding's code there in the text and Markdown reports", async () => {
    const text = await cli(ONE_WARNING, "--docs-url", DOCS);
    expect(text.out).toContain(`    docs:     ${DOCS}/findings.md#tp001\n`);
    const md = await cli(ONE_WARNING, "--format", "markdown", `--docs-url=${DOCS}/`);
    expect(md.out).toContain(`[docs/findings.md#tp001](${DOCS}/findings.md#tp001)`);
    // Without it the reports name the file in the repository.
    expect((await cli(ONE_WARNING)).out).toContain("    docs:     docs/findings.md#tp001\n");
  });

  it("refuses what is not an https URL a message could carry: one line, exit 2", async () => {
    for (const bad of ["http://docs.example", "https://docs.example/a(b)"]) {
      const run = await cli(ONE_WARNING, "--docs-url", bad);
      expect(run.code).toBe(2);
      expect(run.out).toBe("");
      expect(run.err.trim().split("\n")).toHaveLength(1);
      expect(run.err).toContain("--docs-url must be an https:// URL");
    }
  });
});

describe("--output FILE", () => {
  it("writes the report to the file and nothing to stdout", async () => {
    const file = join(dir, "report.json");
    const run = await cli(TWO_FINDINGS, "--format", "json", "--output", file);
    expect(run).toMatchObject({ code: 0, out: "" });
    expect(codes(JSON.parse(readFileSync(file, "utf8")))).toEqual(["HC001", "HC005"]);
  });

  it("never colours the file, even from a terminal", async () => {
    const file = join(dir, "report.txt");
    await runCli([TWO_FINDINGS, "--output", file], {
      stdout: () => undefined,
      stderr: () => undefined,
      stdoutIsTTY: true,
    });
    expect(readFileSync(file, "utf8")).toContain("HC001");
    expect(readFileSync(file, "utf8")).not.toContain("\x1b[");
  });

  it("a file that cannot be written is one line and exit 2", async () => {
    const run = await cli(TWO_FINDINGS, "--output", join(dir, "no", "such", "dir", "r.txt"));
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/^alb-audit: --output .*r\.txt: cannot write \(ENOENT\)\n$/);
  });
});

describe("--only and --min-severity", () => {
  it("--only keeps the named codes, case and commas as typed, and the counts follow", async () => {
    const report = JSON.parse((await cli(TWO_FINDINGS, "--format", "json", "--only", "hc005")).out);
    expect(codes(report)).toEqual(["HC005"]);
    expect(report.summary).toMatchObject({
      findings: 1,
      bySeverity: { critical: 0, warning: 1, info: 0 },
      byCode: { HC005: 1 },
    });
    const both = JSON.parse(
      (await cli(TWO_FINDINGS, "--format", "json", "--only", "HC005,TP001", "--only", "HC001")).out,
    );
    expect(codes(both)).toEqual(["HC001", "HC005"]);
  });

  it("--min-severity drops what is below it", async () => {
    const report = JSON.parse(
      (await cli(TWO_FINDINGS, "--format", "json", "--min-severity", "critical")).out,
    );
    expect(codes(report)).toEqual(["HC001"]);
  });

  it("--fail-on judges the reported findings only", async () => {
    expect((await cli(TWO_FINDINGS, "--fail-on", "warning")).code).toBe(1);
    expect((await cli(TWO_FINDINGS, "--fail-on", "warning", "--only", "HC005")).code).toBe(1);
    expect((await cli(ONE_WARNING, "--fail-on", "warning", "--only", "HC001")).code).toBe(0);
    expect(
      (await cli(ONE_WARNING, "--fail-on", "warning", "--min-severity", "critical")).code,
    ).toBe(0);
  });

  it("an unknown code is a usage error, not an empty report", async () => {
    const run = await cli(TWO_FINDINGS, "--only", "HC01");
    expect(run).toMatchObject({ code: 2, out: "" });
    expect(run.err).toBe(
      'alb-audit: --only: unknown finding code "HC01" (alb-audit explain lists them); see alb-audit --help\n',
    );
  });
});

describe("a directory of snapshots", () => {
  const many = join(dir, "many");
  mkdirSync(many);
  copyFileSync(TWO_FINDINGS, join(many, "a.json"));
  copyFileSync(ONE_WARNING, join(many, "b.json"));
  const single = join(dir, "single");
  mkdirSync(single);
  copyFileSync(ONE_WARNING, join(single, "only.json"));

  it("JSON: one object per file, with its path and the report unchanged", async () => {
    const run = await cli(many, "--format", "json");
    const reports = JSON.parse(run.out);
    expect(reports.map((r: { path: string }) => r.path)).toEqual([
      join(many, "a.json"),
      join(many, "b.json"),
    ]);
    expect(
      reports.map((r: { report: { findings: { code: string }[] } }) => codes(r.report)),
    ).toEqual([["HC001", "HC005"], ["TP001"]]);
    const alone = JSON.parse((await cli(TWO_FINDINGS, "--format", "json")).out);
    expect(reports[0].report).toEqual(alone);
  });

  it("JSON keeps the per-file shape for a directory that holds one snapshot", async () => {
    const reports = JSON.parse((await cli(single, "--format", "json")).out);
    expect(reports).toHaveLength(1);
    expect(reports[0].path).toBe(join(single, "only.json"));
  });

  it("Markdown: one top-level heading per file, the report below it", async () => {
    const { out } = await cli(many, "--format", "markdown");
    const headings = out.split("\n").filter((l) => l.startsWith("# "));
    expect(headings).toEqual([`# ${join(many, "a.json")}`, `# ${join(many, "b.json")}`]);
    expect(out.indexOf("HC001")).toBeGreaterThan(out.indexOf(headings[0]!));
    expect(out.indexOf("TP001")).toBeGreaterThan(out.indexOf(headings[1]!));
  });
});

describe("explain CODE", () => {
  it("says what, why and how to fix, from the catalog", async () => {
    const run = await cli("explain", "hc001");
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^HC001 HealthCheckPortNotHealthPort\n/);
    for (const part of ["severity:", "what:", "why:", "fix:"]) expect(run.out).toContain(part);
    expect(run.out).toContain("healthcheck-port");
  });

  it("lists every code without one, and gives data as JSON", async () => {
    const list = (await cli("explain")).out.trim().split("\n");
    expect(list.map((l) => l.split(" ")[0])).toEqual(CATALOG.map((e) => e.code));
    const data = JSON.parse((await cli("explain", "TGT003", "--format", "json")).out);
    expect(data).toMatchObject({ code: "TGT003", name: "NoReadyEndpoints" });
    expect(data.why).toEqual(expect.any(String));
    expect(data.fix).toEqual(expect.any(String));
  });

  it("ends with where the code is documented, following --docs-url", async () => {
    expect((await cli("explain", "TP001")).out).toMatch(/\n {2}docs: docs\/findings\.md#tp001\n$/);
    const linked = await cli("explain", "TP001", "--docs-url", "https://example.com/docs");
    expect(linked.out).toMatch(/\n {2}docs: https:\/\/example\.com\/docs\/findings\.md#tp001\n$/);
  });

  it("prints text or JSON, and says so for another format", async () => {
    for (const format of ["markdown", "html"]) {
      expect(await cli("explain", "HC001", "--format", format)).toEqual({
        code: 2,
        out: "",
        err: `alb-audit: explain prints text or json, not ${format}; see alb-audit --help\n`,
      });
    }
  });

  it("an unknown code exits 2 naming the known ones", async () => {
    const run = await cli("explain", "XYZ001");
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/^alb-audit: unknown finding code "XYZ001" \(known: HC001, .*\)/);
  });

  // The reports' docs: line points at docs/findings.md#<code>: the reader finds the same guide.
  it("docs/findings.md gives every code explain's why and fix", () => {
    const docs = readFileSync(new URL("../../docs/findings.md", import.meta.url), "utf8");
    const without = CATALOG.filter((e) => {
      const guide = guideFor(e.code)!;
      const section = docs.split(`\n### ${e.code}\n`)[1]?.split("\n### ")[0] ?? "";
      return ![guide.why, guide.fix].every((text) => section.includes(markdownText(text)));
    }).map((e) => e.code);
    expect(without).toEqual([]);
  });

  // A code added to the catalog needs its why and fix in lib/cli/explain.ts (GUIDES).
  it("has a why and a fix for every code of the catalog, and none for a code it lacks", () => {
    const catalog = CATALOG.filter((e) => !e.retired).map((e) => e.code);
    expect({
      withoutGuide: catalog.filter((c) => !GUIDED_CODES.includes(c)),
      notInCatalog: GUIDED_CODES.filter((c) => !catalog.includes(c)),
    }).toEqual({ withoutGuide: [], notInCatalog: [] });
  });
});

describe("command-line mistakes: one line on stderr, exit 2", () => {
  it.each([
    [["--bogus"], "unknown option --bogus"],
    [["--ouptut", "x"], "unknown option --ouptut (did you mean --output?)"],
    [["-x"], "unknown option -x"],
    [["--format"], "--format needs a value"],
    [["x.json", "--output", "--format", "json"], "--output needs a value"],
    [["--help=yes"], "--help takes no value"],
    [
      ["x.json", "--format", "yaml"],
      `--format must be one of ${Object.keys(RENDERERS).join(", ")} (got "yaml")`,
    ],
    [
      ["x.json", "--min-severity", "high"],
      '--min-severity must be one of critical, warning, info (got "high")',
    ],
    [
      ["collect", "--cluster", "c", "--region", "r", "--out", "same", "--output", "same"],
      "--output (the report) and --out (the snapshot) name the same file",
    ],
  ])("%j", async (args, message) => {
    const run = await cli(...args);
    expect(run).toEqual({ code: 2, out: "", err: `alb-audit: ${message}; see alb-audit --help\n` });
  });
});
