/**
 * A decision's notifications rendered for both channels at once (what tests and the Lambda's
 * two sinks need); each channel's renderer is its own module.
 */
import type { AuditReport, Severity } from "../analyze/finding";
import type { LinkOptions } from "../report/links";
import type { SnsFormat } from "../report/sns-format";
import type { RenderedMessage } from "../sinks/index";
import type { AlertDecision } from "./decide";
import { decisionNotifications, type Notification } from "./notification";
import { renderSlack } from "./render-slack";
import { renderSns } from "./render-sns";

export { formatDuration } from "./render-slack";

/** How messages look, whatever was decided; from lib/config through the pipeline. */
export interface RenderOptions {
  /** Override for tests; defaults to the SNS limit. */
  snsMaxBytes?: number;
  /** The SNS message's shape; default `json`. */
  snsFormat?: SnsFormat;
  /** Links to the codes' documentation and the run's log. */
  links?: LinkOptions;
}

export interface AlertMessageOptions extends RenderOptions {
  minSeverity: Severity;
}

export const renderAll = (
  notifications: Notification[],
  options: RenderOptions = {},
): RenderedMessage[] =>
  notifications.map((n) => ({
    kind: n.kind,
    sns: renderSns(n, {
      ...(options.snsMaxBytes ? { maxBytes: options.snsMaxBytes } : {}),
      ...(options.snsFormat ? { format: options.snsFormat } : {}),
      ...(options.links ? { links: options.links } : {}),
    }),
    slack: renderSlack(n, options.links ? { links: options.links } : {}),
  }));

/** The messages to send for a decision: none, one or both of "findings" and "resolved". */
export function alertMessages(
  report: AuditReport,
  decision: AlertDecision,
  options: AlertMessageOptions,
): RenderedMessage[] {
  return renderAll(decisionNotifications(report, decision, options.minSeverity), options);
}
