/**
 * Snapshot format v1 (../shared/spec/snapshot.md) as zod schemas. Objects keep the shapes the
 * AWS SDK v3 and the Kubernetes API serve; only the fields the engine reads are declared, and
 * every object passes unknown fields through untouched.
 */
import { z } from "zod";

// The names of the lists live apart from the schemas, so that code which needs only the names
// (the engine, the CLI's reader) does not build the schemas (or load zod) to get them.
export * from "./sources";

const obj = <T extends z.ZodRawShape>(shape: T) => z.object(shape).passthrough();
const str = z.string();
const optStr = z.string().optional();
const optNum = z.number().optional();
const intOrString = z.union([z.number().int(), z.string()]);
const stringMap = z.record(z.string()).optional();

// ---------------------------------------------------------------- AWS (SDK v3 output shapes)

export const loadBalancerSchema = obj({
  LoadBalancerArn: str,
  LoadBalancerName: optStr,
  DNSName: optStr,
  Type: optStr,
  Scheme: optStr,
  VpcId: optStr,
  State: obj({ Code: optStr, Reason: optStr }).optional(),
  AvailabilityZones: z.array(obj({ ZoneName: optStr, SubnetId: optStr })).optional(),
  SecurityGroups: z.array(str).optional(),
});

export const tagSchema = obj({ Key: str, Value: optStr });

export const targetHealthDescriptionSchema = obj({
  Target: obj({ Id: str, Port: optNum, AvailabilityZone: optStr }),
  HealthCheckPort: optStr,
  TargetHealth: obj({ State: optStr, Reason: optStr, Description: optStr }).optional(),
});

export const targetGroupSchema = obj({
  TargetGroupArn: str,
  TargetGroupName: optStr,
  Protocol: optStr,
  Port: optNum,
  VpcId: optStr,
  TargetType: optStr,
  HealthCheckEnabled: z.boolean().optional(),
  HealthCheckProtocol: optStr,
  HealthCheckPort: optStr,
  HealthCheckPath: optStr,
  HealthCheckIntervalSeconds: optNum,
  HealthCheckTimeoutSeconds: optNum,
  HealthyThresholdCount: optNum,
  UnhealthyThresholdCount: optNum,
  Matcher: obj({ HttpCode: optStr, GrpcCode: optStr }).optional(),
  ProtocolVersion: optStr,
  LoadBalancerArns: z.array(str).optional(),
  Tags: z.array(tagSchema).optional(),
  TargetHealthDescriptions: z.array(targetHealthDescriptionSchema).optional(),
  // Written by the live collector's health prefilter: "cloudwatch-prefilter" means the targets
  // were not listed because CloudWatch showed healthy hosts and no unhealthy one.
  HealthSource: optStr,
  CloudWatchHealth: obj({
    UnHealthyHostCount: optNum,
    HealthyHostCount: optNum,
    StartTime: optStr,
    EndTime: optStr,
  }).optional(),
});

// ---------------------------------------------------------------- Kubernetes (API JSON)

export const objectMetaSchema = obj({
  name: str,
  namespace: optStr,
  uid: optStr,
  labels: stringMap,
  annotations: stringMap,
  creationTimestamp: optStr,
  deletionTimestamp: optStr,
  ownerReferences: z
    .array(obj({ kind: optStr, name: optStr, controller: z.boolean().optional() }))
    .optional(),
});

const condition = obj({ type: str, status: optStr, reason: optStr, message: optStr });

export const nodeSchema = obj({
  metadata: objectMetaSchema,
  spec: obj({
    providerID: optStr,
    unschedulable: z.boolean().optional(),
    taints: z.array(obj({ key: str, value: optStr, effect: optStr })).optional(),
  }).optional(),
  status: obj({
    conditions: z.array(condition).optional(),
    addresses: z.array(obj({ type: optStr, address: optStr })).optional(),
  }).optional(),
});

export const servicePortSchema = obj({
  name: optStr,
  port: z.number().int(),
  targetPort: intOrString.optional(),
  nodePort: z.number().int().optional(),
  protocol: optStr,
});

export const serviceSchema = obj({
  metadata: objectMetaSchema,
  spec: obj({
    type: optStr,
    selector: stringMap,
    ports: z.array(servicePortSchema).optional(),
    externalTrafficPolicy: optStr,
    // kube-proxy's /healthz port for externalTrafficPolicy Local (the controller checks NLBs on it)
    healthCheckNodePort: z.number().int().optional(),
    clusterIP: optStr,
  }).optional(),
});

export const endpointSchema = obj({
  addresses: z.array(str),
  conditions: obj({
    ready: z.boolean().nullish(),
    serving: z.boolean().nullish(),
    terminating: z.boolean().nullish(),
  }).optional(),
  nodeName: optStr,
  zone: optStr,
  targetRef: obj({ kind: optStr, name: optStr, namespace: optStr, uid: optStr }).optional(),
});

export const endpointSliceSchema = obj({
  metadata: objectMetaSchema,
  addressType: optStr,
  endpoints: z.array(endpointSchema).nullish(),
  ports: z
    .array(obj({ name: z.string().nullish(), port: z.number().int().nullish(), protocol: optStr }))
    .nullish(),
});

export const probeSchema = obj({
  httpGet: obj({ path: optStr, port: intOrString, scheme: optStr, host: optStr }).optional(),
  tcpSocket: obj({ port: intOrString }).optional(),
  grpc: obj({ port: z.number().int() }).optional(),
  exec: obj({ command: z.array(str).optional() }).optional(),
  timeoutSeconds: optNum,
});

export const containerSchema = obj({
  name: str,
  image: optStr,
  ports: z
    .array(obj({ name: optStr, containerPort: z.number().int(), protocol: optStr }))
    .optional(),
  readinessProbe: probeSchema.optional(),
  livenessProbe: probeSchema.optional(),
  startupProbe: probeSchema.optional(),
  env: z.array(obj({ name: str, value: optStr })).optional(),
  restartPolicy: optStr,
});

export const containerStatusSchema = obj({
  name: str,
  ready: z.boolean().optional(),
  restartCount: optNum,
  state: obj({
    waiting: obj({ reason: optStr, message: optStr }).optional(),
    running: obj({ startedAt: optStr }).optional(),
    terminated: obj({ reason: optStr, exitCode: optNum, message: optStr }).optional(),
  }).optional(),
  lastState: obj({
    terminated: obj({ reason: optStr, exitCode: optNum }).optional(),
  }).optional(),
});

export const podSchema = obj({
  metadata: objectMetaSchema,
  spec: obj({
    nodeName: optStr,
    containers: z.array(containerSchema),
    initContainers: z.array(containerSchema).optional(),
    readinessGates: z.array(obj({ conditionType: optStr })).optional(),
  }),
  status: obj({
    phase: optStr,
    podIP: optStr,
    podIPs: z.array(obj({ ip: str })).optional(),
    conditions: z.array(condition).optional(),
    containerStatuses: z.array(containerStatusSchema).optional(),
    initContainerStatuses: z.array(containerStatusSchema).optional(),
  }).optional(),
});

const backendServiceSchema = obj({
  name: str,
  port: obj({ number: z.number().int().optional(), name: optStr }).optional(),
});

export const ingressBackendSchema = obj({ service: backendServiceSchema.optional() });

export const ingressSchema = obj({
  metadata: objectMetaSchema,
  spec: obj({
    ingressClassName: optStr,
    defaultBackend: ingressBackendSchema.optional(),
    rules: z
      .array(
        obj({
          host: optStr,
          http: obj({
            paths: z.array(obj({ path: optStr, pathType: optStr, backend: ingressBackendSchema })),
          }).optional(),
        }),
      )
      .optional(),
  }).optional(),
});

export const targetGroupBindingSchema = obj({
  metadata: objectMetaSchema,
  // The group is named by ARN, or by `targetGroupName` alone (joined by name in the region).
  spec: obj({
    targetGroupARN: optStr,
    targetGroupName: optStr,
    targetType: optStr,
    serviceRef: obj({ name: str, port: intOrString }),
    // ipv6 registers the IPv6 EndpointSlices' addresses; unset or ipv4 the IPv4 ones.
    ipAddressType: optStr,
    // Shared with other clusters or hand-registered targets: the controller removes only its own.
    multiClusterTargetGroup: z.boolean().optional(),
    nodeSelector: obj({
      matchLabels: stringMap,
      matchExpressions: z
        .array(obj({ key: str, operator: str, values: z.array(str).nullish() }))
        .nullish(),
    }).nullish(),
    // The rules the controller keeps on the targets' security groups (NET001's fix (c)).
    networking: obj({
      ingress: z
        .array(
          obj({
            from: z
              .array(
                obj({
                  ipBlock: obj({ cidr: str }).nullish(),
                  securityGroup: obj({ groupID: str }).nullish(),
                }),
              )
              .nullish(),
            ports: z.array(obj({ protocol: optStr, port: intOrString.nullish() })).nullish(),
          }),
        )
        .nullish(),
    }).nullish(),
  }),
});

const mtlsSchema = obj({ mode: optStr });

export const peerAuthenticationSchema = obj({
  metadata: objectMetaSchema,
  spec: obj({
    selector: obj({ matchLabels: stringMap }).nullish(),
    mtls: mtlsSchema.nullish(),
    portLevelMtls: z.record(mtlsSchema).nullish(),
  }).optional(),
});

// ---------------------------------------------------------------- optional lists (catalog 1.1)
// Absent means not collected (no gap). Only what the APIs always return is required; every
// field the network verdicts (lib/analyze/network) read is declared here, and their types are
// these (one source: a field read but not declared would not type-check).

const awsTags = z.array(tagSchema).optional();
const groupIdentifiers = z.array(obj({ GroupId: optStr, GroupName: optStr })).optional();
const privateAddresses = z
  .array(obj({ PrivateIpAddress: optStr, Primary: z.boolean().optional() }))
  .optional();

/** What DescribeNetworkInterfaces and an instance's nested interfaces have in common. */
const interfaceFields = {
  InterfaceType: optStr,
  SubnetId: optStr,
  VpcId: optStr,
  PrivateIpAddress: optStr,
  PrivateIpAddresses: privateAddresses,
  Groups: groupIdentifiers,
};

/** An interface as DescribeInstances nests it in an instance. */
export const instanceNetworkInterfaceSchema = obj({
  NetworkInterfaceId: optStr,
  ...interfaceFields,
  Attachment: obj({ DeviceIndex: optNum, AttachmentId: optStr }).optional(),
});

export const instanceSchema = obj({
  InstanceId: str,
  PrivateIpAddress: optStr,
  SubnetId: optStr,
  VpcId: optStr,
  Placement: obj({ AvailabilityZone: optStr }).optional(),
  State: obj({ Name: optStr }).optional(),
  SecurityGroups: groupIdentifiers,
  NetworkInterfaces: z.array(instanceNetworkInterfaceSchema).optional(),
  Tags: awsTags,
});

export const networkInterfaceSchema = obj({
  NetworkInterfaceId: str,
  ...interfaceFields,
  Attachment: obj({ InstanceId: optStr, DeviceIndex: optNum }).optional(),
  Description: optStr,
  TagSet: awsTags,
});

export const ipPermissionSchema = obj({
  IpProtocol: optStr,
  FromPort: optNum,
  ToPort: optNum,
  IpRanges: z.array(obj({ CidrIp: optStr, Description: optStr })).optional(),
  Ipv6Ranges: z.array(obj({ CidrIpv6: optStr, Description: optStr })).optional(),
  PrefixListIds: z.array(obj({ PrefixListId: optStr, Description: optStr })).optional(),
  UserIdGroupPairs: z
    .array(obj({ GroupId: optStr, UserId: optStr, Description: optStr }))
    .optional(),
});

export const securityGroupSchema = obj({
  GroupId: str,
  GroupName: optStr,
  VpcId: optStr,
  OwnerId: optStr,
  IpPermissions: z.array(ipPermissionSchema).optional(),
  IpPermissionsEgress: z.array(ipPermissionSchema).optional(),
  Tags: awsTags,
});

export const subnetSchema = obj({
  SubnetId: str,
  VpcId: optStr,
  CidrBlock: optStr,
  AvailabilityZone: optStr,
  Tags: awsTags,
});

export const networkAclEntrySchema = obj({
  RuleNumber: optNum,
  Protocol: optStr,
  RuleAction: optStr,
  Egress: z.boolean().optional(),
  CidrBlock: optStr,
  Ipv6CidrBlock: optStr,
  PortRange: obj({ From: optNum, To: optNum }).optional(),
});

export const networkAclSchema = obj({
  NetworkAclId: str,
  VpcId: optStr,
  IsDefault: z.boolean().optional(),
  Entries: z.array(networkAclEntrySchema).optional(),
  Associations: z
    .array(obj({ NetworkAclId: optStr, SubnetId: optStr, NetworkAclAssociationId: optStr }))
    .optional(),
  Tags: awsTags,
});

const objectRef = obj({
  kind: optStr,
  name: optStr,
  namespace: optStr,
  apiVersion: optStr,
  uid: optStr,
});

export const eventSchema = obj({
  metadata: objectMetaSchema,
  involvedObject: objectRef,
  type: optStr,
  reason: optStr,
  message: optStr,
  count: optNum,
  firstTimestamp: z.string().nullish(),
  lastTimestamp: z.string().nullish(),
  eventTime: z.string().nullish(),
  source: obj({ component: optStr, host: optStr }).optional(),
  reportingComponent: optStr,
  series: obj({ count: optNum, lastObservedTime: optStr }).optional(),
});

export const gatewayClassSchema = obj({
  metadata: objectMetaSchema,
  spec: obj({
    controllerName: str,
    parametersRef: obj({ group: optStr, kind: optStr, name: str, namespace: optStr }).optional(),
  }),
});

export const gatewaySchema = obj({
  metadata: objectMetaSchema,
  spec: obj({
    gatewayClassName: str,
    listeners: z
      .array(obj({ name: optStr, port: optNum, protocol: optStr, hostname: optStr }))
      .optional(),
    infrastructure: obj({
      annotations: stringMap,
      labels: stringMap,
      // Istio reads the options of what it generates from the ConfigMap this names.
      parametersRef: obj({ group: optStr, kind: optStr, name: str }).optional(),
    }).optional(),
  }),
});

const parentRefSchema = obj({
  group: optStr,
  kind: optStr,
  namespace: optStr,
  name: str,
  sectionName: optStr,
  port: optNum,
});

const backendRefSchema = obj({
  group: optStr,
  kind: optStr,
  namespace: optStr,
  name: str,
  port: optNum,
  weight: optNum,
});

/** HTTPRoute, GRPCRoute, TCPRoute, UDPRoute and TLSRoute share what the engine reads of them. */
export const routeSchema = obj({
  metadata: objectMetaSchema,
  spec: obj({
    parentRefs: z.array(parentRefSchema).optional(),
    hostnames: z.array(str).optional(),
    rules: z.array(obj({ backendRefs: z.array(backendRefSchema).optional() })).optional(),
  }).optional(),
});

const healthCheckConfigSchema = obj({
  healthyThresholdCount: optNum,
  healthCheckInterval: optNum,
  healthCheckPath: optStr,
  healthCheckPort: optStr,
  healthCheckProtocol: optStr,
  healthCheckTimeout: optNum,
  unhealthyThresholdCount: optNum,
  matcher: obj({ httpCode: optStr, grpcCode: optStr }).optional(),
});

const targetGroupPropsSchema = obj({
  targetGroupName: optStr,
  targetType: optStr,
  protocol: optStr,
  healthCheckConfig: healthCheckConfigSchema.optional(),
});

export const targetGroupConfigurationSchema = obj({
  metadata: objectMetaSchema,
  spec: obj({
    targetReference: obj({ group: optStr, kind: optStr, name: str }).optional(),
    defaultConfiguration: targetGroupPropsSchema.optional(),
    routeConfigurations: z
      .array(
        obj({
          routeIdentifier: obj({ kind: optStr, namespace: optStr, name: optStr }),
          targetGroupProps: targetGroupPropsSchema,
        }),
      )
      .optional(),
  }).optional(),
});

/**
 * The controller's Gateway-wide options (gateway.k8s.aws LoadBalancerConfiguration): what the
 * engine reads of them; the rest passes through.
 */
export const loadBalancerConfigurationSchema = obj({
  metadata: objectMetaSchema,
  spec: obj({
    mergingMode: optStr,
    defaultTargetGroupConfiguration: obj({ name: str }).optional(),
    securityGroups: z.array(str).optional(),
    manageBackendSecurityGroupRules: z.boolean().optional(),
  }).optional(),
});

// ---------------------------------------------------------------- the document

export const gapSchema = obj({ source: str, message: str, targetGroupArn: optStr });

const list = <T extends z.ZodTypeAny>(item: T) => z.array(item).optional();

/** The item schema of every list, keyed by section then list name. */
export const LIST_SCHEMAS = {
  aws: { loadBalancers: loadBalancerSchema, targetGroups: targetGroupSchema },
  kubernetes: {
    nodes: nodeSchema,
    services: serviceSchema,
    endpointSlices: endpointSliceSchema,
    pods: podSchema,
    ingresses: ingressSchema,
    targetGroupBindings: targetGroupBindingSchema,
    peerAuthentications: peerAuthenticationSchema,
  },
} as const;

/** The item schema of every optional list (snapshot.md "Optional lists"): absent = not collected. */
export const OPTIONAL_LIST_SCHEMAS = {
  aws: {
    instances: instanceSchema,
    networkInterfaces: networkInterfaceSchema,
    securityGroups: securityGroupSchema,
    subnets: subnetSchema,
    networkAcls: networkAclSchema,
  },
  kubernetes: {
    events: eventSchema,
    gatewayClasses: gatewayClassSchema,
    gateways: gatewaySchema,
    httpRoutes: routeSchema,
    grpcRoutes: routeSchema,
    tcpRoutes: routeSchema,
    udpRoutes: routeSchema,
    tlsRoutes: routeSchema,
    targetGroupConfigurations: targetGroupConfigurationSchema,
    loadBalancerConfigurations: loadBalancerConfigurationSchema,
  },
} as const;

const optionalLists = <S extends Record<string, z.ZodTypeAny>>(
  schemas: S,
  item: (s: z.ZodTypeAny) => z.ZodTypeAny,
) =>
  Object.fromEntries(Object.entries(schemas).map(([k, v]) => [k, list(item(v))])) as {
    [K in keyof S]: z.ZodOptional<z.ZodArray<z.ZodTypeAny>>;
  };

/**
 * The document without its list items, which the reader checks one by one: validating the
 * whole document at once would build a second copy of it, doubling peak memory on large clusters.
 */
export const envelopeSchema = obj({
  version: z.literal(1),
  capturedAt: z.string().datetime({ offset: true }),
  // `account` is optional (added compatibly): the AWS account the cluster runs in, which with
  // the region and name identifies it across a fleet.
  cluster: obj({ name: str, region: str, account: optStr }),
  aws: obj({
    loadBalancers: list(z.unknown()),
    targetGroups: list(z.unknown()),
    ...optionalLists(OPTIONAL_LIST_SCHEMAS.aws, () => z.unknown()),
  }),
  kubernetes: obj({
    nodes: list(z.unknown()),
    services: list(z.unknown()),
    endpointSlices: list(z.unknown()),
    pods: list(z.unknown()),
    ingresses: list(z.unknown()),
    targetGroupBindings: list(z.unknown()),
    peerAuthentications: list(z.unknown()),
    ...optionalLists(OPTIONAL_LIST_SCHEMAS.kubernetes, () => z.unknown()),
  }),
  gaps: z.array(gapSchema).optional(),
});

export const snapshotSchema = obj({
  version: z.literal(1),
  capturedAt: z.string().datetime({ offset: true }),
  // `account` is optional (added compatibly): the AWS account the cluster runs in, which with
  // the region and name identifies it across a fleet.
  cluster: obj({ name: str, region: str, account: optStr }),
  aws: obj({
    loadBalancers: list(loadBalancerSchema),
    targetGroups: list(targetGroupSchema),
    ...optionalLists(OPTIONAL_LIST_SCHEMAS.aws, (item) => item),
  }),
  kubernetes: obj({
    nodes: list(nodeSchema),
    services: list(serviceSchema),
    endpointSlices: list(endpointSliceSchema),
    pods: list(podSchema),
    ingresses: list(ingressSchema),
    targetGroupBindings: list(targetGroupBindingSchema),
    peerAuthentications: list(peerAuthenticationSchema),
    ...optionalLists(OPTIONAL_LIST_SCHEMAS.kubernetes, (item) => item),
  }),
  gaps: z.array(gapSchema).optional(),
});

export type SnapshotInput = z.input<typeof snapshotSchema>;
export type LoadBalancer = z.infer<typeof loadBalancerSchema>;
export type TargetGroup = z.infer<typeof targetGroupSchema>;
export type TargetHealthDescription = z.infer<typeof targetHealthDescriptionSchema>;
export type ObjectMeta = z.infer<typeof objectMetaSchema>;
export type Node = z.infer<typeof nodeSchema>;
export type Service = z.infer<typeof serviceSchema>;
export type ServicePort = z.infer<typeof servicePortSchema>;
export type EndpointSlice = z.infer<typeof endpointSliceSchema>;
export type Endpoint = z.infer<typeof endpointSchema>;
export type Pod = z.infer<typeof podSchema>;
export type Container = z.infer<typeof containerSchema>;
export type Probe = z.infer<typeof probeSchema>;
export type Ingress = z.infer<typeof ingressSchema>;
export type IngressBackend = z.infer<typeof ingressBackendSchema>;
export type TargetGroupBinding = z.infer<typeof targetGroupBindingSchema>;
export type PeerAuthentication = z.infer<typeof peerAuthenticationSchema>;
export type Gap = z.infer<typeof gapSchema>;
export type Instance = z.infer<typeof instanceSchema>;
export type InstanceNetworkInterface = z.infer<typeof instanceNetworkInterfaceSchema>;
export type IpPermission = z.infer<typeof ipPermissionSchema>;
export type NetworkAclEntry = z.infer<typeof networkAclEntrySchema>;
export type NetworkInterface = z.infer<typeof networkInterfaceSchema>;
export type SecurityGroup = z.infer<typeof securityGroupSchema>;
export type Subnet = z.infer<typeof subnetSchema>;
export type NetworkAcl = z.infer<typeof networkAclSchema>;
export type KubeEvent = z.infer<typeof eventSchema>;
export type GatewayClass = z.infer<typeof gatewayClassSchema>;
export type Gateway = z.infer<typeof gatewaySchema>;
export type Route = z.infer<typeof routeSchema>;
export type TargetGroupConfiguration = z.infer<typeof targetGroupConfigurationSchema>;
export type LoadBalancerConfiguration = z.infer<typeof loadBalancerConfigurationSchema>;

/**
 * A validated snapshot with every required list present (a missing one became empty plus a gap);
 * an optional list is absent when it was not collected.
 */
export interface Snapshot {
  version: 1;
  capturedAt: string;
  cluster: { name: string; region: string; account?: string; [k: string]: unknown };
  aws: {
    loadBalancers: LoadBalancer[];
    targetGroups: TargetGroup[];
    instances?: Instance[];
    networkInterfaces?: NetworkInterface[];
    securityGroups?: SecurityGroup[];
    subnets?: Subnet[];
    networkAcls?: NetworkAcl[];
    [k: string]: unknown;
  };
  kubernetes: {
    nodes: Node[];
    services: Service[];
    endpointSlices: EndpointSlice[];
    pods: Pod[];
    ingresses: Ingress[];
    targetGroupBindings: TargetGroupBinding[];
    peerAuthentications: PeerAuthentication[];
    events?: KubeEvent[];
    gatewayClasses?: GatewayClass[];
    gateways?: Gateway[];
    httpRoutes?: Route[];
    grpcRoutes?: Route[];
    tcpRoutes?: Route[];
    udpRoutes?: Route[];
    tlsRoutes?: Route[];
    targetGroupConfigurations?: TargetGroupConfiguration[];
    loadBalancerConfigurations?: LoadBalancerConfiguration[];
    [k: string]: unknown;
  };
  gaps: Gap[];
  [k: string]: unknown;
}
