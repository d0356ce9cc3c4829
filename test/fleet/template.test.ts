import { describe, expect, it } from "vitest";
import { FleetError } from "../../lib/fleet/definition";
import { fleetTemplate, type FleetSettings } from "../../lib/fleet/template";

const settings = (over: Partial<FleetSettings> = {}): FleetSettings => ({
  definition: "",
  parameter: "",
  memberRoleName: "alb-health-auditor-member",
  maxConcurrency: "4",
  workerTimeout: "900",
  scheduleRate: "rate(5 minutes)",
  scheduleEnabled: "true",
  summaryMessage: "false",
  ...over,
});
const noFile = () => {
  throw new Error("no file");
};
const problem = (over: Partial<FleetSettings>) => {
  try {
    fleetTemplate(settings(over), noFile);
  } catch (error) {
    expect(error).toBeInstanceOf(FleetError);
    return (error as Error).message;
  }
  throw new Error("accepted");
};

describe("fleet template", () => {
  it("adds nothing to a single-cluster deployment", () => {
    expect(fleetTemplate(settings(), noFile)).toBeUndefined();
  });

  it.each([
    [
      { parameter: "alb/fleet" },
      "--param fleetParameter=alb/fleet must be an SSM parameter path starting with /",
    ],
    [
      { parameter: "/f", maxConcurrency: "0" },
      "--param fleetMaxConcurrency=0 must be a whole number from 1 to 40",
    ],
    [
      { parameter: "/f", maxConcurrency: "2.5" },
      "--param fleetMaxConcurrency=2.5 must be a whole number from 1 to 40",
    ],
    [
      { parameter: "/f", workerTimeout: "901" },
      "--param fleetWorkerTimeout=901 must be a whole number from 60 to 900",
    ],
    [
      { parameter: "/f", memberRoleName: "a b" },
      "--param fleetMemberRoleName=a b is not an IAM role name",
    ],
    [
      { parameter: "/f", summaryMessage: "1" },
      '--param fleetSummaryMessage=1 must be "true" or "false"',
    ],
  ])("rejects %j with one line naming the parameter", (over, message) => {
    expect(problem(over)).toBe(message);
  });

  it("reads the definition from SSM at run time: a plan function, and the member role of that name in any account", () => {
    const t = fleetTemplate(settings({ parameter: "/alb/fleet" }), noFile)!;
    expect(Object.keys(t.functions).sort()).toEqual(["fleetPlan", "fleetSummary", "fleetWorker"]);
    expect(t.functions.fleetPlan!.environment).toEqual({ FLEET_PARAMETER: "/alb/fleet" });
    const statements = (
      t.resources.FleetAuditorAccess as {
        Properties: { PolicyDocument: { Statement: { Action: string; Resource: unknown }[] } };
      }
    ).Properties.PolicyDocument.Statement;
    expect(statements.map((s) => s.Action)).toEqual(["sts:AssumeRole", "ssm:GetParameter"]);
    expect(JSON.stringify(statements[0]!.Resource)).toContain(
      ":iam::*:role/alb-health-auditor-member",
    );
    expect(JSON.stringify(statements[1]!.Resource)).toContain(":parameter/alb/fleet");
  });
});
