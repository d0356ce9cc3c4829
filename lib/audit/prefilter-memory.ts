/**
 * The health prefilter's memory between runs, per cluster (a fleet run audits several from one
 * container). It lives as long as the warm container; a cold start begins again with a full
 * listing, which is the safe direction.
 */
import type { CollectOptions, PrefilterState } from "../collect/collect";
import type { AuditConfig } from "../config";
import type { AuditRequest } from "./request";

const memory = new Map<string, PrefilterState>();

/** Forgets every cluster's memory, as a cold start does (tests). */
export const resetPrefilterMemory = (): void => memory.clear();

/**
 * Only scheduled runs use the prefilter: someone invoking the function by hand is
 * investigating and wants every target listed, and a run limited to named groups lists them.
 */
export function prefilterFor(
  config: AuditConfig,
  request: AuditRequest,
  cluster: { name: string; region: string; account?: string },
): CollectOptions["prefilter"] {
  if (!config.prefilter?.enabled || request.trigger !== "schedule") return undefined;
  const key = `${cluster.account ?? ""}/${cluster.region}/${cluster.name}`;
  const previous = memory.get(key);
  return {
    enabled: true,
    fullSweepEvery: config.prefilter.fullSweepEvery,
    sweep: config.prefilter.sweep,
    ...(previous ? { previous } : {}),
    onState: (state) => memory.set(key, state),
  };
}
