/**
 * The fleet's plan and summary steps, with their AWS calls passed in: functions/fleet.ts wires
 * the clients, tests pass local servers.
 */
import { GetParameterCommand, type SSMClient } from "@aws-sdk/client-ssm";
import type { MetricDatum } from "../report/metrics";
import type { SnsMessage } from "../report/sns";
import { FleetError, parseFleetText } from "./definition";
import { planFleet, type FleetGroup } from "./plan";
import {
  fleetMessage,
  fleetMetrics,
  summarizeFleet,
  type FleetSummary,
  type GroupOutput,
} from "./summary";

/** Reads the fleet definition from its SSM parameter and plans it; a bad one fails the execution. */
export async function planFromParameter(
  ssm: SSMClient,
  name: string,
): Promise<{ groups: FleetGroup[] }> {
  let text: string | undefined;
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    text = out.Parameter?.Value;
  } catch (error) {
    const code = (error as { name?: unknown }).name;
    throw new FleetError(
      `SSM ${name}: cannot be read (${typeof code === "string" ? code : "error"})`,
    );
  }
  if (!text) throw new FleetError(`SSM ${name}: is empty`);
  const fleet = parseFleetText(text, { source: `SSM ${name}` });
  return { groups: planFleet(fleet) };
}

export interface SummaryDeps {
  emit: (metrics: MetricDatum[]) => void;
  /** Set when the fleet summary message is wanted (FLEET_SUMMARY_MESSAGE) and a topic exists. */
  publish?: (message: SnsMessage) => Promise<unknown>;
}

/** What the execution's output shows: counts and the clusters that could not be audited. */
export type SummaryOutput = Omit<FleetSummary, "findings"> & { findings: number };

export async function summarizeRun(
  input: { groups?: GroupOutput[] },
  deps: SummaryDeps,
): Promise<SummaryOutput> {
  const summary = summarizeFleet(input.groups ?? []);
  deps.emit(fleetMetrics(summary));
  if (deps.publish) {
    const { subject, body } = fleetMessage(summary);
    await deps.publish({
      subject,
      message: JSON.stringify({ fleet: true, ...summary, text: body }),
      attributes: {
        event: { DataType: "String", StringValue: "fleet-summary" },
        failed: { DataType: "Number", StringValue: String(summary.failed) },
      },
      published: summary.findings.length,
      omitted: 0,
    });
  }
  const { findings, ...rest } = summary;
  return { ...rest, findings: findings.length };
}
