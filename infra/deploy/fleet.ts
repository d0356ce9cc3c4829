/**
 * Fleet mode in the stack's plugin: the `fleet*` parameters and the fleet definition checked with
 * the other parameters, and the fleet's functions, state machine, schedule and cross-account IAM
 * (lib/fleet/template.ts) added to the service before it is packaged.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { FleetError } from "../../lib/fleet/definition";
import { fleetTemplate, type FleetSettings } from "../../lib/fleet/template";

const setting = (params: ReadonlyMap<string, string>, name: string) => params.get(name) ?? "";

export const isFleet = (params: ReadonlyMap<string, string>): boolean =>
  Boolean(setting(params, "fleet").trim() || setting(params, "fleetParameter").trim());

function settingsOf(values: ReadonlyMap<string, string>): FleetSettings {
  return {
    definition: setting(values, "fleet"),
    parameter: setting(values, "fleetParameter"),
    memberRoleName: setting(values, "fleetMemberRoleName"),
    maxConcurrency: setting(values, "fleetMaxConcurrency"),
    workerTimeout: setting(values, "fleetWorkerTimeout"),
    scheduleRate: setting(values, "scheduleRate"),
    scheduleEnabled: setting(values, "scheduleEnabled"),
    summaryMessage: setting(values, "fleetSummaryMessage"),
  };
}

const readRelative = (dir: string) => (path: string) => readFileSync(resolve(dir, path), "utf8");

/** The fleet's problems as parameter lines (none outside fleet mode). */
export function fleetProblems(params: ReadonlyMap<string, string>, dir = process.cwd()): string[] {
  if (!isFleet(params)) return [];
  try {
    fleetTemplate(settingsOf(params), readRelative(dir));
    return [];
  } catch (error) {
    if (error instanceof FleetError) return [error.message];
    throw error;
  }
}

/** The part of the osls service this touches. */
export interface Service {
  service: string;
  provider: { stage: string };
  custom?: { fleet?: Record<string, unknown> };
  functions: Record<string, Record<string, unknown>>;
  resources?: { Resources?: Record<string, unknown>; Outputs?: Record<string, unknown> };
}

/** Adds fleet mode to the resolved service (`custom.fleet` carries the resolved parameters). */
export function addFleet(service: Service, dir: string): boolean {
  const values = new Map(
    Object.entries(service.custom?.fleet ?? {}).map(([k, v]) => [k, v == null ? "" : String(v)]),
  );
  const template = fleetTemplate(settingsOf(values), readRelative(dir));
  if (!template) return false;
  // The state machine's schedule replaces the single-cluster one; without a cluster of its
  // own, the single-cluster function is not deployed at all.
  const single = service.functions.audit;
  if (single) {
    if (setting(values, "clusterName").trim()) single.events = [];
    else delete service.functions.audit;
  }
  for (const [name, fn] of Object.entries(template.functions)) {
    service.functions[name] = {
      ...fn,
      name: `${service.service}-${service.provider.stage}-${name}`,
      events: [],
    };
  }
  const resources = (service.resources ??= {});
  resources.Resources = { ...resources.Resources, ...template.resources };
  resources.Outputs = { ...resources.Outputs, ...template.outputs };
  return true;
}
