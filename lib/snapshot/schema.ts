/**
 * Snapshot format v1 (../shared/spec/snapshot.md) as zod schemas. Objects keep the shapes the
 * AWS SDK v3 and the Kubernetes API serve; only the fields the engine reads are declared, and
 * every object passes unknown fields through untouched.
 */
import { z } from "zod";

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

/** `HealthSource` of a group whose targets the live collector left unlisted (healthy per CloudWatch). */
export const HEALTH_SOURCE_PREFILTER = "cloudwatch-prefilter";

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
});

const condition = obj({ type: str, status: optStr, reason: optStr, message: optStr });

export const nodeSchema = obj({
  metadata: objectMetaSchema,
  spec: obj({ providerID: optStr, unschedulable: z.boolean().optional() }).optional(),
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
  lastState: z.record(z.unknown()).optional(),
});

export const podSchema = obj({
  metadata: objectMetaSchema,
  spec: obj({
    nodeName: optStr,
    containers: z.array(containerSchema),
    initContainers: z.array(containerSchema).optional(),
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
    nodeSelector: obj({ matchLabels: stringMap }).nullish(),
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

/**
 * The document without its list items, which the reader checks one by one: validating the
 * whole document at once would build a second copy of it, doubling peak memory on large clusters.
 */
export const envelopeSchema = obj({
  version: z.literal(1),
  capturedAt: z.string().datetime({ offset: true }),
  cluster: obj({ name: str, region: str }),
  aws: obj({
    loadBalancers: list(z.unknown()),
    targetGroups: list(z.unknown()),
  }),
  kubernetes: obj({
    nodes: list(z.unknown()),
    services: list(z.unknown()),
    endpointSlices: list(z.unknown()),
    pods: list(z.unknown()),
    ingresses: list(z.unknown()),
    targetGroupBindings: list(z.unknown()),
    peerAuthentications: list(z.unknown()),
  }),
  gaps: z.array(gapSchema).optional(),
});

export const snapshotSchema = obj({
  version: z.literal(1),
  capturedAt: z.string().datetime({ offset: true }),
  cluster: obj({ name: str, region: str }),
  aws: obj({
    loadBalancers: list(loadBalancerSchema),
    targetGroups: list(targetGroupSchema),
  }),
  kubernetes: obj({
    nodes: list(nodeSchema),
    services: list(serviceSchema),
    endpointSlices: list(endpointSliceSchema),
    pods: list(podSchema),
    ingresses: list(ingressSchema),
    targetGroupBindings: list(targetGroupBindingSchema),
    peerAuthentications: list(peerAuthenticationSchema),
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

/** The names `gaps[].source` uses for each list. */
export const SOURCES = [
  "aws.loadBalancers",
  "aws.targetGroups",
  "kubernetes.nodes",
  "kubernetes.services",
  "kubernetes.endpointSlices",
  "kubernetes.pods",
  "kubernetes.ingresses",
  "kubernetes.targetGroupBindings",
  "kubernetes.peerAuthentications",
] as const;
export type Source = (typeof SOURCES)[number];

/** A validated snapshot with every list present (a missing list became empty plus a gap). */
export interface Snapshot {
  version: 1;
  capturedAt: string;
  cluster: { name: string; region: string; [k: string]: unknown };
  aws: { loadBalancers: LoadBalancer[]; targetGroups: TargetGroup[]; [k: string]: unknown };
  kubernetes: {
    nodes: Node[];
    services: Service[];
    endpointSlices: EndpointSlice[];
    pods: Pod[];
    ingresses: Ingress[];
    targetGroupBindings: TargetGroupBinding[];
    peerAuthentications: PeerAuthentication[];
    [k: string]: unknown;
  };
  gaps: Gap[];
  [k: string]: unknown;
}
