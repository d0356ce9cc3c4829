import { describe, expect, it } from "vitest";
import { analyze } from "../../../lib/analyze";
import { buildModel } from "../../../lib/analyze/model";
import { securityGroupBlocksHealthCheck } from "../../../lib/analyze/rules/net001-security-group-blocks-health-check";
import type { Snapshot, SnapshotInput } from "../../../lib/snapshot/schema";
import { guard } from "../../support/guarded-model";
import {
  BACKEND_SG,
  EKS_SG,
  LB_SG,
  NODE_SG,
  ec2,
  fromCidr,
  fromGroup,
  nodeEni,
  nodeRules,
  securityGroup,
  tcp,
  withNetwork,
  TIMEOUT,
  allTimeOut,
  networkGateway,
} from "../../support/network-scenarios";
import {
  CLUSTER,
  GW_TG_ARN,
  NODES,
  healthyInstanceGatewayInput,
  healthyIpAppInput,
  k8s,
  snapshotOf,
  tgs,
} from "../../support/scenarios";

const run = (snapshot: Snapshot) =>
  guard(securityGroupBlocksHealthCheck).check({
    model: buildModel(snapshot),
    prior: [],
    rules: [],
  });

const SELF = { IpProtocol: "-1", UserIdGroupPairs: [{ GroupId: NODE_SG }] };

const gateway = networkGateway;

/** The nodes' group admits the backend group on the traffic port only: the check is shut out. */
const checkPortClosed = (s: SnapshotInput) =>
  nodeRules(s, [tcp(31246, 31246, fromGroup(BACKEND_SG)), SELF]);

describe("NET001 SecurityGroupBlocksHealthCheck", () => {
  it("stays quiet on the healthy baselines with their EC2 lists", () => {
    expect(run(gateway())).toEqual([]);
    expect(run(snapshotOf(healthyIpAppInput(), (s) => withNetwork(s, [8080])))).toEqual([]);
  });

  it("fires on every timed-out target, critical, and authorizes the check port (d)", () => {
    const findings = run(
      gateway((s) => {
        checkPortClosed(s);
        allTimeOut(s);
      }),
    );
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f).toMatchObject({ code: "NET001", severity: "critical", targetGroupArn: GW_TG_ARN });
    expect(f.affectedTargets.map((t) => t.id)).toEqual(NODES.map((n) => n.id));
    expect(f.title).toBe(
      "k8s-istiosys-gw-1234567890: security groups block the health check from k8s-shop on port 31127 (3 of 3 targets)",
    );
    expect(f.evidence.actual.fix).toEqual(["authorize"]);
    expect(f.evidence.actual.loadBalancer).toEqual({
      name: "k8s-shop",
      type: "application",
      securityGroups: [LB_SG, BACKEND_SG],
      subnets: [
        { subnetId: "subnet-lb-a", cidr: "10.0.101.0/24" },
        { subnetId: "subnet-lb-b", cidr: "10.0.102.0/24" },
        { subnetId: "subnet-lb-c", cidr: "10.0.103.0/24" },
      ],
    });
    expect((f.evidence.actual.targets as unknown[])[0]).toEqual({
      id: NODES[0].id,
      port: 31127,
      interface: nodeEni(0),
      interfaceKind: "primary",
      securityGroups: [NODE_SG],
      closed: ["inbound to the target"],
      rulesForPort: [`${NODE_SG}: all traffic from ${NODE_SG}`],
      egressRulesForPort: [
        // An egress rule names where traffic may go, not where it comes from.
        `${LB_SG}: all traffic to 0.0.0.0/0`,
        `${BACKEND_SG}: all traffic to 0.0.0.0/0`,
      ],
    });
    // The binding names both ports, so the controller would put them back: the rule itself.
    expect(f.remediation).toBe(
      `Allow the load balancer's security group ${BACKEND_SG} in security group ${NODE_SG} of interface ${nodeEni(0)} on port 31127:\n` +
        `aws ec2 authorize-security-group-ingress --group-id ${NODE_SG} --ip-permissions 'IpProtocol=tcp,FromPort=31127,ToPort=31127,UserIdGroupPairs=[{GroupId=${BACKEND_SG}}]'`,
    );
  });

  it("opens the traffic port in the same command when it is closed too", () => {
    const [f] = run(
      gateway((s) => {
        nodeRules(s, [SELF]);
        allTimeOut(s);
      }),
    );
    expect(f?.remediation).toContain(
      `--ip-permissions 'IpProtocol=tcp,FromPort=31127,ToPort=31127,UserIdGroupPairs=[{GroupId=${BACKEND_SG}}]' 'IpProtocol=tcp,FromPort=31246,ToPort=31246,UserIdGroupPairs=[{GroupId=${BACKEND_SG}}]'`,
    );
  });

  it("(a) several groups on the interface, none tagged for the cluster: tag exactly one", () => {
    const [f] = run(
      gateway((s) => {
        checkPortClosed(s);
        allTimeOut(s);
        const node = ec2(s).securityGroups.find((g) => g.GroupId === NODE_SG)!;
        node.Tags = [];
        ec2(s).securityGroups.push(
          securityGroup(EKS_SG, [], { GroupName: `eks-cluster-sg-${CLUSTER}-1234` }),
        );
        for (const list of [
          ec2(s).networkInterfaces,
          ec2(s).instances.flatMap((i) => i.NetworkInterfaces!),
        ]) {
          for (const eni of list) eni.Groups = [{ GroupId: NODE_SG }, { GroupId: EKS_SG }];
        }
      }),
    );
    expect(f?.evidence.actual.fix).toEqual(["cluster-tag"]);
    expect(f?.remediation).toBe(
      `Interface ${nodeEni(0)} of ${NODES.map((n) => n.id).join(", ")} has security groups ${NODE_SG}, ${EKS_SG} and none of them carries the tag key kubernetes.io/cluster/${CLUSTER}: ` +
        `the controller adds the load balancer's rule only to the one group so tagged, so it adds none ` +
        `(its event reads "expected exactly one securityGroup tagged with kubernetes.io/cluster/${CLUSTER}"). Tag exactly one:\n` +
        `aws ec2 create-tags --resources ${EKS_SG} --tags Key=kubernetes.io/cluster/${CLUSTER},Value=owned`,
    );
  });

  it("(a) both groups tagged: keep the tag on one", () => {
    const [f] = run(
      gateway((s) => {
        checkPortClosed(s);
        allTimeOut(s);
        ec2(s).securityGroups.push(
          securityGroup(EKS_SG, [], {
            GroupName: `eks-cluster-sg-${CLUSTER}-1234`,
            Tags: [{ Key: `kubernetes.io/cluster/${CLUSTER}`, Value: "owned" }],
          }),
        );
        for (const i of ec2(s).instances) {
          for (const eni of i.NetworkInterfaces!)
            eni.Groups = [{ GroupId: NODE_SG }, { GroupId: EKS_SG }];
        }
      }),
    );
    expect(f?.evidence.actual.fix).toEqual(["cluster-tag"]);
    expect(f?.remediation).toContain(`${NODE_SG}, ${EKS_SG} all carry the tag key`);
    expect(f?.remediation).toMatch(
      new RegExp(
        `Keep the tag on ${EKS_SG} only:\\naws ec2 delete-tags --resources ${NODE_SG} --tags Key=kubernetes.io/cluster/${CLUSTER}$`,
      ),
    );
  });

  it("(b) custom load balancer groups without managed backend rules: the annotation on the Ingress", () => {
    const [f] = run(
      gateway((s) => {
        allTimeOut(s);
        s.aws.loadBalancers![0]!.SecurityGroups = ["sg-0custom"];
        ec2(s).securityGroups.push(
          securityGroup("sg-0custom", [tcp(80, 80, fromCidr("10.0.0.0/8"))]),
        );
        const ing = k8s(s).ingresses[0]!;
        ing.metadata.annotations = {
          ...ing.metadata.annotations,
          "alb.ingress.kubernetes.io/security-groups": "sg-0custom",
        };
        // The controller keeps no rules then: its binding names none.
        delete (k8s(s).targetGroupBindings[0]!.spec as Record<string, unknown>).networking;
      }),
    );
    expect(f?.evidence.actual.fix).toEqual(["managed-backend-rules"]);
    expect(f?.remediation).toBe(
      `Ingress istio-system/gateway sets alb.ingress.kubernetes.io/security-groups (sg-0custom) without ` +
        `alb.ingress.kubernetes.io/manage-backend-security-group-rules: "true", so the controller leaves the targets' security groups alone ` +
        `and nothing opens them to the load balancer. Annotate Ingress istio-system/gateway (the controller reads the setting there):\n` +
        `metadata:\n  annotations:\n    alb.ingress.kubernetes.io/manage-backend-security-group-rules: "true"\n` +
        `Command: kubectl -n istio-system annotate ingress gateway --overwrite alb.ingress.kubernetes.io/manage-backend-security-group-rules=true\n` +
        `The controller then adds its shared backend security group to the load balancer and opens the targets' security group to it.`,
    );
  });

  it("(c) a hand-made binding without spec.networking: the patch from the load balancer's group", () => {
    const [f] = run(
      gateway((s) => {
        allTimeOut(s);
        nodeRules(s, [SELF]);
        const tg = tgs(s)[0]!;
        // Made by hand: no controller tags on the group, no stack labels on the binding.
        tg.Tags = [];
        const b = k8s(s).targetGroupBindings[0]!;
        b.metadata = { name: "gateway-tgb", namespace: "istio-system" };
        delete (b.spec as Record<string, unknown>).networking;
      }),
    );
    expect(f?.evidence.actual.fix).toEqual(["binding-networking"]);
    const patch = JSON.stringify({
      spec: {
        networking: {
          ingress: [
            {
              from: [{ securityGroup: { groupID: BACKEND_SG } }],
              ports: [
                { protocol: "TCP", port: 31127 },
                { protocol: "TCP", port: 31246 },
              ],
            },
          ],
        },
      },
    });
    expect(f?.remediation).toBe(
      `TargetGroupBinding istio-system/gateway-tgb has no spec.networking, so the controller opens the targets' security groups to nothing. Add it:\n` +
        `spec:\n  networking:\n    ingress:\n      - from:\n          - securityGroup:\n              groupID: ${BACKEND_SG}\n` +
        `        ports:\n          - protocol: TCP\n            port: 31127\n          - protocol: TCP\n            port: 31246\n` +
        `Command: kubectl -n istio-system patch targetgroupbinding gateway-tgb --type merge -p '${patch}'`,
    );
  });

  it("(c) for a load balancer without security groups the patch names its subnets' CIDRs", () => {
    const [f] = run(
      gateway((s) => {
        allTimeOut(s);
        nodeRules(s, [SELF]);
        delete s.aws.loadBalancers![0]!.SecurityGroups;
        tgs(s)[0]!.Tags = [];
        const b = k8s(s).targetGroupBindings[0]!;
        b.metadata = { name: "gateway-tgb", namespace: "istio-system" };
        delete (b.spec as Record<string, unknown>).networking;
      }),
    );
    expect(f?.remediation).toContain(
      "      - from:\n          - ipBlock:\n              cidr: 10.0.101.0/24\n          - ipBlock:\n              cidr: 10.0.102.0/24\n          - ipBlock:\n              cidr: 10.0.103.0/24\n",
    );
  });

  it("(d) for a load balancer without security groups the rule names its subnets' CIDRs", () => {
    const [f] = run(
      gateway((s) => {
        allTimeOut(s);
        checkPortClosed(s);
        // An NLB without security groups: its rules from the backend group admit nothing now.
        delete s.aws.loadBalancers![0]!.SecurityGroups;
      }),
    );
    expect(f?.evidence.actual.fix).toEqual(["authorize"]);
    expect(f?.evidence.expected).not.toHaveProperty("outbound");
    expect(f?.remediation).toBe(
      `Allow the load balancer's subnets (10.0.101.0/24, 10.0.102.0/24, 10.0.103.0/24) in security group ${NODE_SG} of interface ${nodeEni(0)} on port 31127, 31246:\n` +
        `aws ec2 authorize-security-group-ingress --group-id ${NODE_SG} --ip-permissions 'IpProtocol=tcp,FromPort=31127,ToPort=31127,IpRanges=[{CidrIp=10.0.101.0/24},{CidrIp=10.0.102.0/24},{CidrIp=10.0.103.0/24}]' 'IpProtocol=tcp,FromPort=31246,ToPort=31246,IpRanges=[{CidrIp=10.0.101.0/24},{CidrIp=10.0.102.0/24},{CidrIp=10.0.103.0/24}]'`,
    );
  });

  it("adds the egress command when the load balancer's groups let nothing out", () => {
    const [f] = run(
      gateway((s) => {
        allTimeOut(s);
        for (const g of ec2(s).securityGroups) {
          if (g.GroupId === LB_SG || g.GroupId === BACKEND_SG) g.IpPermissionsEgress = [];
        }
      }),
    );
    expect(f?.evidence.actual.fix).toEqual(["authorize"]);
    expect((f?.evidence.actual.targets as { closed: string[] }[])[0]?.closed).toEqual([
      "outbound from the load balancer",
    ]);
    expect(f?.remediation).toBe(
      `The load balancer's security group ${BACKEND_SG} lets nothing out to security group ${NODE_SG} (interface ${[0, 1, 2].map(nodeEni).join(", ")}) on port 31127, 31246; allow it:\n` +
        `aws ec2 authorize-security-group-egress --group-id ${BACKEND_SG} --ip-permissions 'IpProtocol=tcp,FromPort=31127,ToPort=31127,UserIdGroupPairs=[{GroupId=${NODE_SG}}]' 'IpProtocol=tcp,FromPort=31246,ToPort=31246,UserIdGroupPairs=[{GroupId=${NODE_SG}}]'`,
    );
  });

  it("ip targets: judges the interface that holds the pod's address, warning when some pass", () => {
    const findings = run(
      snapshotOf(healthyIpAppInput(), (s) => {
        withNetwork(s, [8080]);
        // The second pod's node is in a new node group whose own group lacks the rule.
        ec2(s).securityGroups.push(securityGroup("sg-0newgroup", [SELF]));
        ec2(s).networkInterfaces[1]!.Groups = [{ GroupId: "sg-0newgroup" }];
        tgs(s)[0]!.TargetHealthDescriptions![1]!.TargetHealth = { ...TIMEOUT };
      }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]?.severity).toBe("warning");
    expect(findings[0]?.affectedTargets.map((t) => t.id)).toEqual(["10.0.2.60"]);
    expect((findings[0]?.evidence.actual.targets as { interfaceKind: string }[])[0]).toMatchObject({
      interface: nodeEni(1),
      interfaceKind: "holder",
      securityGroups: ["sg-0newgroup"],
    });
    expect(findings[0]?.remediation).toContain(
      `aws ec2 authorize-security-group-ingress --group-id sg-0newgroup --ip-permissions 'IpProtocol=tcp,FromPort=8080,ToPort=8080,UserIdGroupPairs=[{GroupId=${BACKEND_SG}}]'`,
    );
  });

  describe("near misses stay quiet", () => {
    const quiet = (edit: (s: SnapshotInput) => void) =>
      run(
        gateway((s) => {
          allTimeOut(s);
          edit(s);
        }),
      );

    it("a passing target shares the failing targets' security groups", () => {
      expect(
        run(
          gateway((s) => {
            checkPortClosed(s);
            tgs(s)[0]!.TargetHealthDescriptions![1]!.TargetHealth = { ...TIMEOUT };
          }),
        ),
      ).toEqual([]);
    });

    it("protocol -1 from the backend group", () => {
      expect(
        quiet((s) =>
          nodeRules(s, [{ IpProtocol: "-1", UserIdGroupPairs: [{ GroupId: BACKEND_SG }] }]),
        ),
      ).toEqual([]);
    });

    it("a port range the controller merged", () => {
      expect(quiet((s) => nodeRules(s, [tcp(30000, 32767, fromGroup(BACKEND_SG))]))).toEqual([]);
    });

    it("CIDR rules that together cover every load balancer subnet", () => {
      expect(
        quiet((s) =>
          nodeRules(s, [
            tcp(31127, 31127, fromCidr("10.0.101.0/24", "10.0.102.0/23")),
            tcp(31000, 31200, fromCidr("10.0.103.0/25", "10.0.103.128/25")),
          ]),
        ),
      ).toEqual([]);
      // One half-subnet short: it fires.
      expect(
        quiet((s) =>
          nodeRules(s, [
            tcp(31127, 31127, fromCidr("10.0.101.0/24", "10.0.102.0/24")),
            tcp(31000, 31200, fromCidr("10.0.103.0/25")),
          ]),
        ),
      ).toHaveLength(1);
    });

    it("a prefix-list source, whose CIDRs the snapshot does not hold", () => {
      expect(
        quiet((s) =>
          nodeRules(s, [tcp(31127, 31127, { PrefixListIds: [{ PrefixListId: "pl-0lb" }] })]),
        ),
      ).toEqual([]);
    });

    it("a security group of the interface missing from the snapshot", () => {
      expect(
        quiet((s) => {
          checkPortClosed(s);
          for (const i of ec2(s).instances) {
            for (const eni of i.NetworkInterfaces!)
              eni.Groups = [{ GroupId: NODE_SG }, { GroupId: "sg-0gone" }];
          }
        }),
      ).toEqual([]);
    });

    it("targets that got an answer (a wrong code is no closed port)", () => {
      expect(
        run(
          gateway((s) => {
            checkPortClosed(s);
            for (const d of tgs(s)[0]!.TargetHealthDescriptions!) {
              d.TargetHealth = { State: "unhealthy", Reason: "Target.ResponseCodeMismatch" };
            }
          }),
        ),
      ).toEqual([]);
    });

    it("a rule naming a group that is none of the load balancer's", () => {
      // sg-0other is of another account: it admits nothing of this load balancer.
      expect(
        quiet((s) => nodeRules(s, [tcp(31127, 31127, fromGroup("sg-0other")), SELF])),
      ).toHaveLength(1);
    });
  });

  it("is not run without the EC2 lists, and the report says so (no AUDIT001)", () => {
    const report = analyze(snapshotOf(healthyInstanceGatewayInput(), allTimeOut));
    expect(report.findings.map((f) => f.code)).toEqual(["TGT005"]);
    expect(report.summary.notRun).toContainEqual({
      code: "NET001",
      missing: ["aws.instances", "aws.networkInterfaces", "aws.securityGroups", "aws.subnets"],
    });
  });

  it("explains its targets: TGT005 does not list them again", () => {
    const report = analyze(
      gateway((s) => {
        checkPortClosed(s);
        allTimeOut(s);
      }),
    );
    expect(report.findings.map((f) => f.code)).toEqual(["NET001"]);
  });
});
