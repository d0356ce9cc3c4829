/**
 * Where a reader goes from a message: the code's documentation, the target group's console
 * page and the run's log. Pure: URLs from names, no lookups.
 */

/** The invocation's log stream, as the Lambda runtime names it. */
export interface LogLocation {
  group: string;
  stream: string;
  region: string;
}

export interface LinkOptions {
  /**
   * The folder that holds findings.md, e.g. https://github.com/acme/alb-health-auditor/blob/main/docs.
   * Unset: messages name docs/findings.md#<code> without a link.
   */
  docsBaseUrl?: string;
  log?: LogLocation;
}

/** What DOCS_BASE_URL and --docs-url take: an https URL with nothing a message would break on. */
export const DOCS_BASE_URL = /^https:\/\/[^\s"<>|()`]+$/;

/** The documentation file of the codes, relative to the repository root. */
export const FINDINGS_DOC = "docs/findings.md";

/**
 * The fragment GitHub gives a Markdown heading: lower case, punctuation other than hyphens
 * and underscores dropped, spaces as hyphens.
 */
export const githubAnchor = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");

/** The heading docs/findings.md gives each code; its anchor is the code in lower case. */
export const codeHeading = (code: string): string => code;

export interface DocLink {
  /** "docs/findings.md#hc001": what to show, and where to look without a link. */
  label: string;
  url?: string;
}

export function docsLink(code: string, options: LinkOptions): DocLink {
  const anchor = githubAnchor(codeHeading(code));
  const label = `${FINDINGS_DOC}#${anchor}`;
  const base = options.docsBaseUrl?.replace(/\/+$/, "");
  return base ? { label, url: `${base}/findings.md#${anchor}` } : { label };
}

/** The console's origin for a region: the China and GovCloud partitions have their own. */
export function consoleOrigin(region: string): string {
  if (region.startsWith("cn-")) return "https://console.amazonaws.cn";
  if (region.startsWith("us-gov-")) return "https://console.amazonaws-us-gov.com";
  return `https://${region}.console.aws.amazon.com`;
}

/**
 * A target group's ARN, nothing else: a snapshot file can hold any string there, and only an
 * ARN of this form goes into a URL unencoded (the console's fragment takes it as it is).
 */
const TARGET_GROUP_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):\d{12}:targetgroup\/[A-Za-z0-9-]+\/[0-9a-f]+$/;

/**
 * The EC2 console's page of a target group, in the target group's own region; none for a
 * string that is not a target group's ARN.
 */
export function targetGroupConsoleUrl(arn: string): string | undefined {
  const region = TARGET_GROUP_ARN.exec(arn)?.[1];
  if (!region) return undefined;
  return `${consoleOrigin(region)}/ec2/home?region=${region}#TargetGroup:targetGroupArn=${arn}`;
}

/**
 * The CloudWatch Logs console page of one stream. The console's fragment takes names encoded
 * twice with "%" written as "$" ("/" → "$252F").
 */
const consoleEncode = (s: string) => encodeURIComponent(encodeURIComponent(s)).replace(/%/g, "$");

export function logConsoleUrl(log: LogLocation): string {
  return (
    `${consoleOrigin(log.region)}/cloudwatch/home?region=${log.region}` +
    `#logsV2:log-groups/log-group/${consoleEncode(log.group)}/log-events/${consoleEncode(log.stream)}`
  );
}
