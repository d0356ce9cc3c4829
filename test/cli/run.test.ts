import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { runCli, type CliIO } from "../../lib/cli/run";
import type { SnapshotInput } from "../../lib/snapshot/schema";
import { healthyInstanceGatewayInput, tgs } from "../support/scenarios";

function capture(overrides: Partial<CliIO> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    stdoutIsTTY: false,
    ...overrides,
  };
  return { io, out: () => out.join(""), err: () => err.join("") };
}

const dir = mkdtempSync(join(tmpdir(), "alb-audit-cli-"));
function writeSnapshot(name: string, input: SnapshotInput): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(input));
  return path;
}

/** A snapshot where every target fails for a reason no rule explains, so TGT005 reports it. */
function failingInput(): SnapshotInput {
  const input = healthyInstanceGatewayInput();
  for (const d of tgs(input)[0]!.TargetHealthDescriptions!) {
    d.TargetHealth = {
      State: "unhealthy",
      Reason: "Target.FailedHealthChecks",
      Description: "Health checks failed",
    };
  }
  return input;
}

describe("alb-audit CLI", () => {
  it("prints only the JSON report on stdout", async () => {
    const file = writeSnapshot("healthy.json", healthyInstanceGatewayInput());
    const c = capture();
    expect(await runCli(["--snapshot", file, "--format", "json"], c.io)).toBe(0);
    const report = JSON.parse(c.out());
    expect(report).toMatchObject({ version: 1, cluster: { name: "shop-prod" }, findings: [] });
    expect(Object.keys(report)).toEqual(["version", "cluster", "auditedAt", "summary", "findings"]);
    expect(c.err()).toBe("");
  });

  it("audits a directory and ends with one summary line per snapshot", async () => {
    const sub = join(dir, "many");
    mkdirSync(sub);
    writeFileSync(join(sub, "a-failing.json"), JSON.stringify(failingInput()));
    writeFileSync(join(sub, "b-healthy.json"), JSON.stringify(healthyInstanceGatewayInput()));
    const c = capture();
    expect(await runCli([sub], c.io)).toBe(0);
    const summary = c
      .out()
      .split(`${"=".repeat(78)}\nSummary: `)[1]!
      .trim()
      .split("\n");
    expect(summary).toEqual([
      "2 snapshots audited, 1 with a warning or critical finding",
      expect.stringMatching(/a-failing\.json\s+TGT005 warning$/),
      expect.stringMatching(/b-healthy\.json\s+no warning or critical finding$/),
    ]);
  });

  it("--fail-on sets exit 1 only at or above the threshold", async () => {
    const file = writeSnapshot("failing.json", failingInput());
    const healthy = writeSnapshot("healthy2.json", healthyInstanceGatewayInput());
    expect(await runCli([file, "--fail-on", "warning"], capture().io)).toBe(1);
    expect(await runCli([file], capture().io)).toBe(0);
    expect(await runCli([healthy, "--fail-on", "info"], capture().io)).toBe(0);
  });

  it("exits 2 with one line for usage and input errors", async () => {
    for (const args of [
      ["--format", "yaml", "x.json"],
      ["--bogus"],
      [],
      [join(dir, "nope.json")],
    ]) {
      const c = capture();
      expect(await runCli(args, c.io)).toBe(2);
      expect(c.out()).toBe("");
      expect(c.err()).toMatch(/^alb-audit: .+\n/);
      expect(c.err()).not.toMatch(/\bat .+:\d+:\d+/);
    }
  });

  it("never writes the report over a snapshot it reads", async () => {
    const file = writeSnapshot("kept.json", failingInput());
    const before = readFileSync(file, "utf8");
    const sub = join(dir, "kept-dir");
    mkdirSync(sub);
    writeFileSync(join(sub, "a.json"), before);
    for (const args of [
      [file, "--output", file],
      [file, "--output", join(dir, ".", "kept.json")],
      [sub, "--format", "json", "--output", join(sub, "a.json")],
    ]) {
      const c = capture();
      expect(await runCli(args, c.io)).toBe(2);
      expect(c.err()).toMatch(/^alb-audit: --output .+ is the snapshot .+; name another file/);
    }
    expect(readFileSync(file, "utf8")).toBe(before);
    expect(readFileSync(join(sub, "a.json"), "utf8")).toBe(before);
  });

  it("refuses live-only options with snapshot files instead of ignoring them", async () => {
    const file = writeSnapshot("offline.json", healthyInstanceGatewayInput());
    for (const [option, ...value] of [
      ["--target-group", "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/x/1"],
      ["--kubeconfig", "kubeconfig.yaml"],
      ["--context", "prod"],
      ["--no-network"],
      ["--out", join(dir, "never.json")],
    ]) {
      const c = capture();
      expect(await runCli([file, option!, ...value], c.io)).toBe(2);
      expect(c.out()).toBe("");
      expect(c.err()).toBe(
        `alb-audit: ${option} is for live mode (--cluster NAME --region REGION); a snapshot is audited as it was collected; see alb-audit --help\n`,
      );
    }
  });

  it("checks that --output and --out can be written before collecting", async () => {
    let collected = 0;
    const collect = async () => {
      collected++;
      const { parseSnapshot } = await import("../../lib/snapshot/read");
      return parseSnapshot(healthyInstanceGatewayInput());
    };
    const live = ["--cluster", "shop-prod", "--region", "eu-west-1"];
    const missing = join(dir, "no-such-dir", "x.json");
    for (const [args, message] of [
      [[...live, "--output", missing], `alb-audit: --output ${missing}: cannot write (ENOENT)\n`],
      [
        ["collect", ...live, "--out", missing],
        `alb-audit: --out ${missing}: cannot write (ENOENT)\n`,
      ],
      [["collect", ...live, "--out", dir], `alb-audit: --out ${dir}: cannot write (EISDIR)\n`],
    ] as const) {
      const c = capture({ collect });
      expect(await runCli([...args], c.io)).toBe(2);
      expect(c.err()).toBe(message);
    }
    expect(collected).toBe(0);
  });

  it("names a file that is no snapshot for what it is", async () => {
    const snapshot = writeSnapshot("source.json", failingInput());
    const report = join(dir, "its-report.json");
    await runCli([snapshot, "--format", "json", "--output", report], capture().io);
    const reports = join(dir, "its-reports.json");
    await runCli([snapshot, snapshot, "--format", "json", "--output", reports], capture().io);
    const list = join(dir, "kubectl-get.json");
    writeFileSync(list, JSON.stringify({ apiVersion: "v1", kind: "List", items: [] }));
    for (const [file, what] of [
      [report, "an alb-audit report, not a snapshot (audit the snapshot it was made from)"],
      [reports, "an alb-audit report, not a snapshot (audit the snapshot it was made from)"],
      [list, 'a Kubernetes List, not a snapshot (README, "Snapshots", says what one holds)'],
    ]) {
      const c = capture();
      expect(await runCli([file!], c.io)).toBe(2);
      expect(c.err()).toBe(`alb-audit: ${file}: ${what}\n`);
    }
  });

  it("names the first problem of a broken snapshot", async () => {
    const input = healthyInstanceGatewayInput();
    delete (tgs(input)[0] as { TargetGroupArn?: string }).TargetGroupArn;
    const file = writeSnapshot("broken.json", input);
    const c = capture();
    expect(await runCli(["--snapshot", file], c.io)).toBe(2);
    expect(c.err()).toContain("broken.json: aws.targetGroups[0].TargetGroupArn: required");
  });

  it("shows control characters in an error line escaped", async () => {
    const file = join(dir, "evil\x1b]0;owned\x07.json");
    writeFileSync(file, "{\x1b[2J");
    const c = capture();
    expect(await runCli(["--snapshot", file], c.io)).toBe(2);
    // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
    expect(c.err()).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(c.err()).toContain("evil\\x1b]0;owned\\x07.json");
  });

  it("at a terminal, ends a text report of snapshots with what to do next, on stderr", async () => {
    const file = writeSnapshot("next.json", failingInput());
    const tty = capture({ stdoutIsTTY: true, stderrIsTTY: true });
    expect(await runCli([file, "--no-color"], tty.io)).toBe(0);
    expect(tty.err()).toBe(
      'alb-audit: next: "alb-audit explain TGT005" explains a code and its fix; "alb-audit --cluster NAME --region REGION" audits a live cluster; "alb-audit --help" lists the options\n',
    );
    // Scripts, pipes and files get the report alone.
    for (const [overrides, args] of [
      [{ stdoutIsTTY: false, stderrIsTTY: true }, []],
      [{ stdoutIsTTY: true, stderrIsTTY: false }, []],
      [{ stdoutIsTTY: true, stderrIsTTY: true }, ["--format", "json"]],
      [{ stdoutIsTTY: true, stderrIsTTY: true }, ["--output", join(dir, "next.txt")]],
    ] as const) {
      const quiet = capture(overrides);
      await runCli([file, ...args], quiet.io);
      expect(quiet.err()).toBe("");
    }
  });

  it("colours severities only on a TTY", async () => {
    const file = writeSnapshot("failing2.json", failingInput());
    const plain = capture();
    await runCli([file], plain.io);
    expect(plain.out()).not.toContain("\x1b[");
    const tty = capture({ stdoutIsTTY: true });
    await runCli([file], tty.io);
    expect(tty.out()).toContain("\x1b[");
    const noColor = capture({ stdoutIsTTY: true });
    await runCli([file, "--no-color"], noColor.io);
    expect(noColor.out()).not.toContain("\x1b[");
    // NO_COLOR (no-color.org): any non-empty value turns colour off; an empty one does not.
    for (const [value, coloured] of [
      ["1", false],
      ["", true],
    ] as const) {
      vi.stubEnv("NO_COLOR", value);
      const run = capture({ stdoutIsTTY: true });
      await runCli([file], run.io);
      expect(run.out().includes("\x1b[")).toBe(coloured);
    }
    vi.unstubAllEnvs();
  });

  it("live mode passes options to the collector, reports progress on stderr and writes the snapshot", async () => {
    const out = join(dir, "collected.json");
    const seen: unknown[] = [];
    const c = capture({
      collect: async (options) => {
        seen.push({ ...options, onProgress: undefined });
        options.onProgress?.("listing pods: 500 so far");
        const { parseSnapshot } = await import("../../lib/snapshot/read");
        return parseSnapshot(healthyInstanceGatewayInput());
      },
    });
    const code = await runCli(
      [
        "collect",
        "--cluster",
        "shop-prod",
        "--region",
        "eu-west-1",
        "--out",
        out,
        "--format",
        "json",
      ],
      c.io,
    );
    expect(code).toBe(0);
    expect(seen[0]).toMatchObject({ clusterName: "shop-prod", region: "eu-west-1" });
    expect(c.err()).toContain("listing pods: 500 so far");
    expect(JSON.parse(readFileSync(out, "utf8")).cluster.name).toBe("shop-prod");
    expect(JSON.parse(c.out()).version).toBe(1);
  });

  it("--no-network tells the collector to leave EC2 out", async () => {
    const seen: { network?: boolean }[] = [];
    const c = capture({
      collect: async (options) => {
        seen.push(options);
        const { parseSnapshot } = await import("../../lib/snapshot/read");
        return parseSnapshot(healthyInstanceGatewayInput());
      },
    });
    const live = ["--cluster", "shop-prod", "--region", "eu-west-1"];
    expect(await runCli(live, c.io)).toBe(0);
    expect(await runCli([...live, "--no-network"], c.io)).toBe(0);
    expect(seen.map((o) => o.network)).toEqual([undefined, false]);
  });

  it("a live collection in which every list failed exits 3, not a report of gaps", async () => {
    const { parseSnapshot } = await import("../../lib/snapshot/read");
    const nothing = parseSnapshot({
      version: 1,
      capturedAt: "2026-11-24T10:00:00Z",
      cluster: { name: "shop-prod", region: "eu-west-1" },
      aws: {},
      kubernetes: {},
    });
    nothing.gaps = nothing.gaps.map((g) => ({ ...g, message: "ExpiredToken: token expired" }));
    const c = capture({ collect: async () => nothing });
    expect(await runCli(["--cluster", "shop-prod", "--region", "eu-west-1"], c.io)).toBe(3);
    expect(c.out()).toBe("");
    expect(c.err()).toBe(
      "alb-audit: live collection failed: nothing could be read (ExpiredToken: token expired)\n",
    );
  });

  it("a collection failure exits 3 with its message", async () => {
    const c = capture({
      collect: async () => Promise.reject(new Error("no AWS credentials found")),
    });
    expect(await runCli(["--cluster", "x", "--region", "eu-west-1"], c.io)).toBe(3);
    expect(c.err()).toBe("alb-audit: live collection failed: no AWS credentials found\n");
  });

  it("the real process prints no stack trace and exits 2 on bad input", () => {
    const bad = writeSnapshot("v2.json", { ...healthyInstanceGatewayInput(), version: 2 as 1 });
    const run = spawnSync(process.execPath, ["bin/alb-audit.mjs", "--snapshot", bad], {
      encoding: "utf8",
    });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      `alb-audit: ${bad}: snapshot format version 2 is newer than this alb-audit reads (1); upgrade alb-audit\n`,
    );
  });

  it("the real process reports a live collection without credentials in one line, exit 3", () => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: dir,
      AWS_EC2_METADATA_DISABLED: "true",
    };
    const run = spawnSync(
      process.execPath,
      ["bin/alb-audit.mjs", "--cluster", "shop-prod", "--region", "eu-west-1"],
      { encoding: "utf8", env, timeout: 60_000 },
    );
    expect(run.status).toBe(3);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^alb-audit: live collection failed: .*credentials.*\n$/i);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
  });

  describe("a kubeconfig the CLI cannot use is an input error: one line, exit 2, no secret", () => {
    const kubeconfig = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const valid = [
      "apiVersion: v1",
      "clusters:",
      "- cluster: {server: 'https://127.0.0.1:1'}",
      "  name: c",
      "users:",
      "- name: u",
      "  user:",
      "    token: kubeconfig-secret-token",
      "contexts:",
      "- context: {cluster: c, user: u}",
      "  name: ctx",
      "current-context: ctx",
    ];
    const live = (...args: string[]) =>
      spawnSync(
        process.execPath,
        ["bin/alb-audit.mjs", "--cluster", "shop-prod", "--region", "eu-west-1", ...args],
        {
          encoding: "utf8",
          env: { PATH: process.env.PATH, HOME: dir, AWS_EC2_METADATA_DISABLED: "true" },
          timeout: 60_000,
        },
      );
    const broken = [...valid];
    broken.splice(8, 0, "  oops: [unclosed");

    it.each([
      [
        "a file that does not exist",
        [join(dir, "missing.yaml")] as string[],
        /kubeconfig .*missing\.yaml: cannot read \(ENOENT\)/,
      ],
      [
        "a file that is not YAML",
        [kubeconfig("broken.yaml", broken.join("\n"))],
        /kubeconfig .*broken\.yaml: not a valid kubeconfig \(line \d+\)/,
      ],
      [
        "a context that does not exist",
        [kubeconfig("ok.yaml", valid.join("\n")), "--context", "nope"],
        /^alb-audit: kubeconfig .*ok\.yaml has no context named "nope" \(it has: ctx\)\n$/,
      ],
      [
        "a context without --kubeconfig where none exists (HOME has no .kube/config)",
        ["--context", "prod"],
        /^alb-audit: kubeconfig \(default: \$KUBECONFIG or ~\/\.kube\/config\): none found; give --kubeconfig FILE or set KUBECONFIG\n$/,
      ],
    ])("%s", (_what, args, message) => {
      const run = live(...(args[0] === "--context" ? args : ["--kubeconfig", ...args]));
      expect(run.stdout).toBe("");
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toContain("kubeconfig-secret-token");
      expect(run.stderr).not.toMatch(/DescribeCluster/);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.status).toBe(2);
    });
  });
});
