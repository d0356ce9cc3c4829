import { describe, expect, it } from "vitest";
import { foldConditions, type Template } from "../../infra/deploy/conditions";

const equals = (a: unknown, b: unknown) => ({ "Fn::Equals": [a, b] });
const not = (c: unknown) => ({ "Fn::Not": [c] });

describe("foldConditions", () => {
  it("drops the resources and outputs of false conditions and keeps the others unconditioned", () => {
    const folded = foldConditions({
      Conditions: {
        SlackFromParameter: not(equals("/a/b", "")),
        SlackFromSecret: not(equals("", "")),
      },
      Resources: {
        Topic: { Type: "AWS::SNS::Topic", Properties: {} },
        ParameterRead: { Type: "AWS::IAM::Policy", Condition: "SlackFromParameter" },
        SecretRead: {
          Type: "AWS::IAM::Policy",
          Condition: "SlackFromSecret",
          Properties: { PolicyDocument: { Statement: [{ Resource: "" }] } },
        },
      },
      Outputs: {
        SecretPolicy: { Condition: "SlackFromSecret", Value: { Ref: "SecretRead" } },
        TopicArn: { Value: { Ref: "Topic" } },
      },
    });
    expect(folded).toEqual({
      Resources: {
        Topic: { Type: "AWS::SNS::Topic", Properties: {} },
        ParameterRead: { Type: "AWS::IAM::Policy" },
      },
      Outputs: { TopicArn: { Value: { Ref: "Topic" } } },
    });
  });

  it("evaluates And, Or, Not, Condition references and strToBool's booleans", () => {
    const folded = foldConditions({
      Conditions: {
        Alarms: equals(true, "true"),
        Operations: equals("operations", "operations"),
        Email: { "Fn::And": [{ Condition: "Operations" }, not(equals("", ""))] },
        Either: { "Fn::Or": [{ Condition: "Email" }, { Condition: "Alarms" }] },
      },
      Resources: {
        A: { Type: "T", Condition: "Email" },
        B: { Type: "T", Condition: "Either" },
      },
    });
    expect(Object.keys(folded.Resources)).toEqual(["B"]);
  });

  it("picks the Fn::If branch taken, nested, and removes AWS::NoValue", () => {
    const folded = foldConditions({
      Conditions: { ToOperations: equals("findings", "operations"), ToFindings: equals(1, "1") },
      Resources: {
        Alarm: {
          Type: "AWS::CloudWatch::Alarm",
          Properties: {
            AlarmActions: [
              {
                "Fn::If": [
                  "ToOperations",
                  { Ref: "OperationsTopic" },
                  { "Fn::If": ["ToFindings", { Ref: "Topic" }, "arn:aws:sns:…"] },
                ],
              },
              { "Fn::If": ["ToOperations", "x", { Ref: "AWS::NoValue" }] },
            ],
            Description: { "Fn::If": ["ToOperations", "ops", { Ref: "AWS::NoValue" }] },
          },
        },
        OperationsTopic: { Type: "AWS::SNS::Topic", Condition: "ToOperations" },
        Topic: { Type: "AWS::SNS::Topic" },
      },
    });
    expect(folded.Resources.Alarm!.Properties).toEqual({ AlarmActions: [{ Ref: "Topic" }] });
    expect(folded.Resources.OperationsTopic).toBeUndefined();
  });

  it("drops a DependsOn on a resource left out, and refuses a reference that would break", () => {
    const template = (ref: unknown): Template => ({
      Conditions: { Off: equals("a", "b") },
      Resources: {
        Gone: { Type: "T", Condition: "Off" },
        Kept: { Type: "T", DependsOn: ["Gone", "Other"], Properties: { X: ref } },
        Other: { Type: "T" },
      },
    });
    expect(foldConditions(template("plain")).Resources.Kept!.DependsOn).toEqual(["Other"]);
    expect(() => foldConditions(template({ Ref: "Gone" }))).toThrow(
      "Kept refers to Gone, which its condition leaves out of this deployment",
    );
    expect(() => foldConditions(template({ "Fn::GetAtt": ["Gone", "Arn"] }))).toThrow(/Gone/);
  });

  it("keeps a condition only CloudFormation can decide, and what it builds on", () => {
    const folded = foldConditions({
      Conditions: {
        Prod: equals({ Ref: "Stage" }, "prod"),
        Alarms: equals("true", "true"),
        ProdAlarms: { "Fn::And": [{ Condition: "Prod" }, { Condition: "Alarms" }] },
      },
      Resources: {
        A: { Type: "T", Condition: "ProdAlarms" },
        B: { Type: "T", Condition: "Alarms" },
        C: { Type: "T", Properties: { V: { "Fn::If": ["Prod", 1, 2] } } },
      },
    });
    expect(Object.keys(folded.Conditions ?? {}).sort()).toEqual(["Alarms", "Prod", "ProdAlarms"]);
    expect(folded.Resources.A!.Condition).toBe("ProdAlarms");
    expect(folded.Resources.B!.Condition).toBeUndefined();
    expect(folded.Resources.C!.Properties).toEqual({ V: { "Fn::If": ["Prod", 1, 2] } });
  });
});
