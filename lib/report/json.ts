import type { AuditReport } from "../analyze/finding";

/** The catalog's JSON report shape, unchanged. */
export const renderJson = (report: AuditReport): string => `${JSON.stringify(report, null, 2)}\n`;
