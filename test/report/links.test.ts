import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CATALOG } from "../../lib/analyze/catalog";
import {
  DOCS_BASE_URL,
  consoleOrigin,
  docsLink,
  githubAnchor,
  logConsoleUrl,
  targetGroupConsoleUrl,
} from "../../lib/report/links";

const docs = readFileSync(new URL("../../docs/findings.md", import.meta.url), "utf8");
/** The fragments GitHub gives the headings of docs/findings.md. */
const anchors = new Set(
  docs
    .split("\n")
    .filter((l) => /^#{1,6} /.test(l))
    .map((l) => githubAnchor(l.replace(/^#+ /, ""))),
);

describe("links", () => {
  it("GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens", () => {
    expect(githubAnchor("HC001")).toBe("hc001");
    expect(githubAnchor("Finding codes")).toBe("finding-codes");
    expect(githubAnchor("Metric cost (per group)")).toBe("metric-cost-per-group");
  });

  it("every code's link lands on a heading of docs/findings.md", () => {
    for (const { code } of CATALOG) {
      const link = docsLink(code, { docsBaseUrl: "https://example.com/docs" });
      const fragment = link.url!.split("#")[1]!;
      expect(anchors.has(fragment), `${code} → #${fragment}`).toBe(true);
      expect(link.label).toBe(`docs/findings.md#${fragment}`);
    }
  });

  it("names the doc without a link when no base URL is set", () => {
    expect(docsLink("TP001", {})).toEqual({ label: "docs/findings.md#tp001" });
  });

  it("opens the target group's console page in its own region and partition", () => {
    const arn =
      "arn:aws:elasticloadbalancing:us-east-2:111122223333:targetgroup/k8s-a/0123456789abcdef";
    expect(targetGroupConsoleUrl(arn)).toBe(
      `https://us-east-2.console.aws.amazon.com/ec2/home?region=us-east-2#TargetGroup:targetGroupArn=${arn}`,
    );
    expect(consoleOrigin("cn-north-1")).toBe("https://console.amazonaws.cn");
    expect(consoleOrigin("us-gov-west-1")).toBe("https://console.amazonaws-us-gov.com");
  });

  it("links no string that is not a target group's ARN (a snapshot file can hold anything)", () => {
    const arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/web/0123abcd";
    expect(targetGroupConsoleUrl(arn)).toContain("#TargetGroup:targetGroupArn=arn:aws:");
    expect(targetGroupConsoleUrl(`${arn})[x](https://evil.example`)).toBeUndefined();
    expect(targetGroupConsoleUrl(`${arn}\n`)).toBeUndefined();
    expect(targetGroupConsoleUrl("web")).toBeUndefined();
    expect(
      targetGroupConsoleUrl(
        arn.replace("arn:aws:", "arn:aws-cn:").replace("eu-west-1", "cn-north-1"),
      ),
    ).toMatch(/^https:\/\/console\.amazonaws\.cn\/ec2\/home\?region=cn-north-1#/);
  });

  it("takes as docs base URL only an https URL that no message format breaks on", () => {
    expect(DOCS_BASE_URL.test("https://github.com/acme/alb-health-auditor/blob/main/docs")).toBe(
      true,
    );
    for (const bad of [
      "http://x.example/docs",
      "https://x.example/a b",
      "https://x.example/(x)",
      "https://x.example/<x>",
    ])
      expect(DOCS_BASE_URL.test(bad), bad).toBe(false);
  });

  it("encodes the log group and stream as the CloudWatch console expects", () => {
    expect(
      logConsoleUrl({
        group: "/aws/lambda/fn",
        stream: "2026/12/01/[$LATEST]ab",
        region: "eu-west-1",
      }),
    ).toBe(
      "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Ffn/log-events/2026$252F12$252F01$252F$255B$2524LATEST$255Dab",
    );
  });
});
