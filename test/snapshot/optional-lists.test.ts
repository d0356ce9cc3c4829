/** The reader accepts the optional lists of catalog 1.1, leaves absent ones absent, checks items. */
import { describe, expect, it } from "vitest";
import { parseSnapshot, SnapshotError } from "../../lib/snapshot/read";
import { OPTIONAL_SOURCES } from "../../lib/snapshot/schema";
import { healthyIpAppInput } from "../support/scenarios";

const withLists = (lists: { aws?: object; kubernetes?: object }) => {
  const input = healthyIpAppInput();
  Object.assign(input.aws, lists.aws);
  Object.assign(input.kubernetes, lists.kubernetes);
  return input;
};

describe("optional lists in the snapshot", () => {
  it("leaves every absent optional list absent, with no gap", () => {
    const snapshot = parseSnapshot(healthyIpAppInput());
    for (const source of OPTIONAL_SOURCES) {
      const [section, key] = source.split(".") as ["aws" | "kubernetes", string];
      expect(snapshot[section][key], source).toBeUndefined();
    }
    expect(snapshot.gaps).toEqual([]);
  });

  it("accepts the lists as the APIs return them, keeping unknown fields", () => {
    const sg = {
      GroupId: "sg-0a1",
      IpPermissions: [
        {
          IpProtocol: "tcp",
          FromPort: 30000,
          ToPort: 32767,
          UserIdGroupPairs: [{ GroupId: "sg-lb" }],
        },
      ],
      SomethingNew: { kept: true },
    };
    const snapshot = parseSnapshot(
      withLists({
        aws: { securityGroups: [sg], instances: [{ InstanceId: "i-1" }], networkAcls: [] },
        kubernetes: {
          events: [
            {
              metadata: { name: "e1", namespace: "shop" },
              involvedObject: { kind: "Ingress", name: "cart" },
              type: "Warning",
              reason: "FailedBuildModel",
            },
          ],
          gatewayClasses: [
            { metadata: { name: "alb" }, spec: { controllerName: "gateway.k8s.aws/alb" } },
          ],
          httpRoutes: [
            { metadata: { name: "r", namespace: "shop" }, spec: { parentRefs: [{ name: "gw" }] } },
          ],
        },
      }),
    );
    expect(snapshot.aws.securityGroups).toEqual([sg]);
    expect(snapshot.aws.networkAcls).toEqual([]);
    expect(snapshot.kubernetes.events).toHaveLength(1);
    expect(snapshot.kubernetes.gateways).toBeUndefined();
  });

  it("rejects a broken item of an optional list, naming its path", () => {
    const bad = () =>
      parseSnapshot(
        withLists({ aws: { subnets: [{ SubnetId: "subnet-1" }, { CidrBlock: "10.0.0.0/24" }] } }),
      );
    expect(bad).toThrow(SnapshotError);
    expect(bad).toThrow("aws.subnets[1].SubnetId: required");
    expect(() =>
      parseSnapshot(
        withLists({ kubernetes: { gatewayClasses: [{ metadata: { name: "x" }, spec: {} }] } }),
      ),
    ).toThrow("kubernetes.gatewayClasses[0].spec.controllerName: required");
    expect(() => parseSnapshot(withLists({ kubernetes: { events: {} } }))).toThrow(
      /kubernetes\.events: expected array/,
    );
  });
  it("checks the fields the network verdicts read, nested ones included", () => {
    const sg = (FromPort: unknown) => ({
      GroupId: "sg-1",
      IpPermissions: [{ IpProtocol: "tcp", FromPort, ToPort: 80 }],
    });
    expect(() => parseSnapshot(withLists({ aws: { securityGroups: [sg(80)] } }))).not.toThrow();
    expect(() => parseSnapshot(withLists({ aws: { securityGroups: [sg("80")] } }))).toThrow(
      "aws.securityGroups[0].IpPermissions[0].FromPort",
    );
    const instance = {
      InstanceId: "i-1",
      NetworkInterfaces: [{ NetworkInterfaceId: "eni-1", Attachment: { DeviceIndex: "0" } }],
    };
    expect(() => parseSnapshot(withLists({ aws: { instances: [instance] } }))).toThrow(
      "aws.instances[0].NetworkInterfaces[0].Attachment.DeviceIndex",
    );
    const acl = {
      NetworkAclId: "acl-1",
      Entries: [{ RuleNumber: 100, Egress: "false", RuleAction: "allow" }],
    };
    expect(() => parseSnapshot(withLists({ aws: { networkAcls: [acl] } }))).toThrow(
      "aws.networkAcls[0].Entries[0].Egress",
    );
  });

  it("reads LoadBalancerConfigurations: the fields the engine reads are checked, the rest kept", () => {
    const lbc = (spec: Record<string, unknown>) => ({
      apiVersion: "gateway.k8s.aws/v1",
      kind: "LoadBalancerConfiguration",
      metadata: { name: "alb-config", namespace: "edge" },
      spec,
    });
    const full = lbc({
      scheme: "internal",
      mergingMode: "prefer-gateway",
      defaultTargetGroupConfiguration: { name: "gw-defaults" },
      securityGroups: ["sg-0frontend"],
      manageBackendSecurityGroupRules: true,
      listenerConfigurations: [{ protocolPort: "HTTPS:443", defaultCertificate: "arn:cert" }],
    });
    const snapshot = parseSnapshot(
      withLists({ kubernetes: { loadBalancerConfigurations: [full, lbc({})] } }),
    );
    expect(snapshot.kubernetes.loadBalancerConfigurations).toEqual([full, lbc({})]);
    const bad = (spec: Record<string, unknown>) => () =>
      parseSnapshot(withLists({ kubernetes: { loadBalancerConfigurations: [lbc(spec)] } }));
    expect(bad({ defaultTargetGroupConfiguration: {} })).toThrow(
      "kubernetes.loadBalancerConfigurations[0].spec.defaultTargetGroupConfiguration.name: required",
    );
    expect(bad({ manageBackendSecurityGroupRules: "true" })).toThrow(
      "kubernetes.loadBalancerConfigurations[0].spec.manageBackendSecurityGroupRules",
    );
  });
});
