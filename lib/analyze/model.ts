/**
 * The topology model: one pass over the snapshot that joins target groups ↔ bindings (or the
 * controller's tags) ↔ Services ↔ EndpointSlices ↔ pods ↔ nodes ↔ EC2 instances through hash
 * maps, so every rule reads joined views instead of scanning lists.
 */
import type {
  Endpoint,
  EndpointSlice,
  Gap,
  Ingress,
  LoadBalancer,
  Node,
  Pod,
  Service,
  ServicePort,
  Snapshot,
  Source,
  TargetGroup,
  TargetGroupBinding,
} from "../snapshot/schema";
import { HEALTH_SOURCE_PREFILTER, OPTIONAL_SOURCES } from "../snapshot/sources";
import { healthEndpointOf, type HealthEndpoint } from "./health-endpoint";
import { instanceIdOf, keyOf } from "./k8s";
import { ALB, TAGS, serviceResourceOf } from "../controller/conventions";
import type { DeclaredHealthCheck } from "./gateway-api/declared-health-check";
import type { GeneratedGatewayService } from "./gateway-api/istio-gateway";
import { gatewayTags } from "../controller/gateway-api";
import { servicesByDashedName, taggedBackend, type GatewayJoin } from "./gateway-api/join";
import {
  GATEWAY_JOIN_SOURCES,
  GATEWAY_SOURCES,
  gatewayIndexOf,
  gatewayParts,
} from "./gateway-api/view";

export interface EndpointView {
  address: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
  zone?: string;
  pod?: Pod;
  /** The slice's `addressType` (IPv4, IPv6, FQDN). */
  addressType?: string;
  /** `targetRef` names a Pod: the only endpoints the controller registers in ip mode. */
  podRef: boolean;
  /** The slice's ports: each Service port name with the number it resolved to for this endpoint. */
  ports: { name?: string | null; port?: number | null }[];
}

export interface TargetView {
  id: string;
  port: number | null;
  availabilityZone?: string;
  state: string;
  reason: string | null;
  description: string | null;
  /** `unhealthy`, or `unused` with `Target.NotInUse`. */
  failing: boolean;
  healthy: boolean;
  /** The port the health check really uses for this target. */
  checkedPort: number | null;
  /** Instance mode: the node with this instance id. IP mode: the node of the endpoint. */
  node?: Node;
  /** IP mode: the Service endpoint with this address. */
  endpoint?: EndpointView;
}

/** Who manages the target group's settings, which decides where a fix must go. */
export type Manager = "ingress" | "service" | "gateway" | "user";

export interface TargetGroupView {
  arn: string;
  name: string;
  tg: TargetGroup;
  targetType: string;
  tags: Record<string, string>;
  manager: Manager;
  binding?: TargetGroupBinding;
  /** Namespace the bound Service is expected in (binding's, or from the controller's tags). */
  namespace?: string;
  service?: Service;
  servicePort?: ServicePort;
  /** Ingresses that created this target group (stack tag, IngressGroup, or backend reference). */
  ingresses: Ingress[];
  loadBalancers: LoadBalancer[];
  endpoints: EndpointView[];
  /** Pods behind the Service, ready or not. */
  backingPods: Pod[];
  targets: TargetView[];
  /** False when the target health of this group could not be read (a gap names it). */
  healthKnown: boolean;
  /**
   * The collector's health prefilter skipped DescribeTargetHealth because CloudWatch showed
   * healthy hosts and no unhealthy one: `targets` is empty because it was not listed, and the
   * group counts as every target healthy.
   */
  healthyPerCloudWatch: boolean;
  healthEndpoint?: HealthEndpoint;
  /** `HealthCheckPort` when it is a number; null for `traffic-port`. */
  fixedHealthCheckPort: number | null;
  /** A group the controller built for a Gateway (catalog 1.1): its Gateway, class and route. */
  gateway?: GatewayJoin;
  /** What the Service's TargetGroupConfiguration declares for such a group. */
  tgcHealthCheck?: DeclaredHealthCheck;
  /** The Gateway whose implementation (Istio) generated the Service and rewrites it. */
  generatedService?: GeneratedGatewayService;
}

export interface Model {
  snapshot: Snapshot;
  cluster: { name: string; region: string; account?: string };
  targetGroups: TargetGroupView[];
  nodesByName: Map<string, Node>;
  nodesByInstanceId: Map<string, Node>;
  podsByKey: Map<string, Pod>;
  servicesByKey: Map<string, Service>;
  ingressesByKey: Map<string, Ingress>;
  loadBalancersByArn: Map<string, LoadBalancer>;
  bindingsByArn: Map<string, TargetGroupBinding[]>;
  /** Sources that could not be read in full. */
  gapSources: Set<Source | string>;
  /** Optional lists the snapshot does not hold: not collected, so no gap (snapshot.md). */
  notCollected: Set<Source>;
}

/**
 * The lists the join from a target group to its Service reads: the binding names the Service;
 * without one the controller's tags do, and an Ingress's name is needed to split the resource
 * tag and to find the Ingresses that created the group. A gap in any of them could change what a
 * group is joined to, so a rule that reads past the join must count them among its inputs.
 */
export const JOIN_SOURCES = [
  "kubernetes.targetGroupBindings",
  "kubernetes.services",
  "kubernetes.ingresses",
] as const satisfies readonly Source[];

/**
 * The join's lists a rule that reads past the join cannot run without. Not the Ingresses: they
 * tie only groups without a binding (the controller's tags name an Ingress), so a gap there
 * holds those groups' alerts (lib/alerts/coverage) rather than stopping every rule; the rules
 * weigh it themselves.
 */
export const JOIN_INPUTS = [
  "kubernetes.targetGroupBindings",
  "kubernetes.services",
] as const satisfies readonly Source[];

const TG = "aws.targetGroups" as const;
const PAST_JOIN: readonly Source[] = [TG, ...JOIN_SOURCES];
const ENDPOINTS: readonly Source[] = [...PAST_JOIN, "kubernetes.endpointSlices"];
const PODS: readonly Source[] = [...ENDPOINTS, "kubernetes.pods"];

/** The lists each field of a target-group view is built from (what reading it depends on). */
export const TARGET_GROUP_VIEW_SOURCES: { [F in keyof TargetGroupView]-?: readonly Source[] } = {
  arn: [TG],
  name: [TG],
  tg: [TG],
  // A binding's spec.targetType wins, but AWS always reports the group's own TargetType.
  targetType: [TG],
  tags: [TG],
  manager: [TG],
  binding: [TG, "kubernetes.targetGroupBindings"],
  namespace: PAST_JOIN,
  service: PAST_JOIN,
  servicePort: PAST_JOIN,
  ingresses: PAST_JOIN,
  loadBalancers: [TG, "aws.loadBalancers"],
  endpoints: ENDPOINTS,
  backingPods: PODS,
  targets: [TG],
  healthKnown: [TG],
  healthyPerCloudWatch: [TG],
  healthEndpoint: PODS,
  fixedHealthCheckPort: [TG],
  gateway: [...PAST_JOIN, ...GATEWAY_JOIN_SOURCES],
  tgcHealthCheck: [...PAST_JOIN, ...GATEWAY_SOURCES],
  generatedService: [...PAST_JOIN, "kubernetes.gateways"],
};

/** The same for the joined fields of a target and of an endpoint. */
export const TARGET_VIEW_SOURCES: Partial<Record<keyof TargetView, readonly Source[]>> = {
  node: ["kubernetes.nodes"],
  endpoint: ENDPOINTS,
};
export const ENDPOINT_VIEW_SOURCES: Partial<Record<keyof EndpointView, readonly Source[]>> = {
  pod: ["kubernetes.pods"],
};

/** The same for the model's indexes. */
export const MODEL_SOURCES: Partial<Record<keyof Model, readonly Source[]>> = {
  targetGroups: [TG],
  nodesByName: ["kubernetes.nodes"],
  nodesByInstanceId: ["kubernetes.nodes"],
  podsByKey: ["kubernetes.pods"],
  servicesByKey: ["kubernetes.services"],
  ingressesByKey: ["kubernetes.ingresses"],
  loadBalancersByArn: ["aws.loadBalancers"],
  // A binding that names its group by name alone is joined through the group list.
  bindingsByArn: ["kubernetes.targetGroupBindings", TG],
};

function groupBy<T>(items: T[], key: (item: T) => string | undefined): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === undefined) continue;
    const bucket = map.get(k);
    if (bucket) bucket.push(item);
    else map.set(k, [item]);
  }
  return map;
}

function indexBy<T>(items: T[], key: (item: T) => string | undefined): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined && !map.has(k)) map.set(k, item);
  }
  return map;
}

/**
 * The ARN of the group a binding names: `spec.targetGroupARN`, else the group of the region
 * named `spec.targetGroupName` (`byName` resolves it), else undefined.
 */
export function boundArnOf(
  binding: TargetGroupBinding,
  byName: (name: string) => string | undefined,
): string | undefined {
  if (binding.spec.targetGroupARN) return binding.spec.targetGroupARN;
  return binding.spec.targetGroupName ? byName(binding.spec.targetGroupName) : undefined;
}

/**
 * Whether the controller registers this endpoint in the group (ip mode): it reads only the
 * slices of the binding's IP family (IPv4 unless `spec.ipAddressType` is ipv6) and only
 * endpoints whose targetRef is a Pod, so a hand-made slice of a selectorless Service or the
 * other family of a dual-stack Service is never a target.
 */
export function registersEndpoint(tgv: TargetGroupView, ep: EndpointView): boolean {
  const family = tgv.binding?.spec.ipAddressType?.toLowerCase() === "ipv6" ? "IPv6" : "IPv4";
  return ep.podRef && (ep.addressType ?? "IPv4") === family;
}

export const isFailing = (state: string, reason: string | null): boolean =>
  state === "unhealthy" || (state === "unused" && reason === "Target.NotInUse");

const toPort = (value: string | undefined): number | null =>
  value !== undefined && /^\d+$/.test(value) ? Number(value) : null;

/**
 * The Service (and port) a controller-created target group points at, from its tags:
 * `service.k8s.aws/resource` = `<ns>/<service>:<port>` under `service.k8s.aws/stack`, or
 * `ingress.k8s.aws/resource` = `<ns>/<ingress>-<service>:<port>`, split with the known Ingresses.
 */
function serviceFromTags(
  tags: Record<string, string>,
  ingressesByNamespace: Map<string, Ingress[]>,
): { ns: string; name: string; port?: string } | undefined {
  const svcStack = tags[TAGS.serviceStack];
  if (svcStack?.includes("/")) {
    const [ns, name] = svcStack.split("/") as [string, string];
    const resource = serviceResourceOf(tags[TAGS.serviceResource]);
    return { ns: resource?.namespace ?? ns, name: resource?.name ?? name, port: resource?.port };
  }
  const resource = tags[TAGS.ingressResource];
  const slash = resource?.indexOf("/") ?? -1;
  const colon = resource?.lastIndexOf(":") ?? -1;
  if (!resource || slash < 0 || colon < slash) return undefined;
  const ns = resource.slice(0, slash);
  const rest = resource.slice(slash + 1, colon);
  const ingress = (ingressesByNamespace.get(ns) ?? []).find((i) =>
    rest.startsWith(`${i.metadata.name}-`),
  );
  if (!ingress) return undefined;
  return {
    ns,
    name: rest.slice(ingress.metadata.name.length + 1),
    port: resource.slice(colon + 1),
  };
}

function backendMatches(
  backend: { service?: { name: string; port?: { number?: number; name?: string } } } | undefined,
  service: Service,
  servicePort: ServicePort | undefined,
): boolean {
  const ref = backend?.service;
  if (!ref || ref.name !== service.metadata.name) return false;
  if (!servicePort || !ref.port) return true;
  return ref.port.number !== undefined
    ? ref.port.number === servicePort.port
    : ref.port.name === servicePort.name;
}

function ingressesForTargetGroup(
  tags: Record<string, string>,
  service: Service | undefined,
  servicePort: ServicePort | undefined,
  ingressesByKey: Map<string, Ingress>,
  ingressesByGroup: Map<string, Ingress[]>,
  ingressesByNamespace: Map<string, Ingress[]>,
): Ingress[] {
  // A backend names a Service of the Ingress's own namespace; a group spans namespaces.
  const referencesService = (ing: Ingress) =>
    service !== undefined &&
    (ing.metadata.namespace ?? "default") === (service.metadata.namespace ?? "default") &&
    [
      ing.spec?.defaultBackend,
      ...(ing.spec?.rules ?? []).flatMap((r) => r.http?.paths.map((p) => p.backend) ?? []),
    ].some((b) => backendMatches(b, service, servicePort));

  const stack = tags[TAGS.ingressStack];
  if (stack) {
    const own = ingressesByKey.get(stack);
    if (own) return [own];
    const group = ingressesByGroup.get(stack) ?? [];
    // The resource tag `<ns>/<ingress>-<service>:<port>` names the Ingress that made this group,
    // also when it routes by an action annotation and so names the Service in no backend.
    const resource = tags[TAGS.ingressResource];
    const named = group.filter(
      (ing) =>
        service !== undefined &&
        resource?.startsWith(`${keyOf(ing.metadata)}-${service.metadata.name}:`) === true,
    );
    if (named.length > 0) return named;
    const inGroup = group.filter(referencesService);
    return inGroup.length > 0 ? inGroup : group;
  }
  if (!service) return [];
  const ns = service.metadata.namespace ?? "default";
  return (ingressesByNamespace.get(ns) ?? []).filter(referencesService);
}

function endpointViews(
  slices: EndpointSlice[],
  podsByKey: Map<string, Pod>,
  ns: string,
): EndpointView[] {
  const views: EndpointView[] = [];
  for (const slice of slices) {
    const ports = slice.ports ?? [];
    for (const ep of slice.endpoints ?? []) {
      views.push(...viewsOf(ep, podsByKey, ns, ports, slice.addressType));
    }
  }
  return views;
}

function viewsOf(
  ep: Endpoint,
  podsByKey: Map<string, Pod>,
  ns: string,
  ports: EndpointView["ports"],
  addressType: string | undefined,
): EndpointView[] {
  const ref = ep.targetRef;
  const podRef = ref?.name !== undefined && (ref.kind ?? "Pod") === "Pod";
  const pod = podRef ? podsByKey.get(`${ref.namespace ?? ns}/${ref.name}`) : undefined;
  // Per the EndpointSlice API, a nil `ready` means ready and a nil `serving` follows ready.
  const ready = ep.conditions?.ready ?? true;
  return ep.addresses.map((address) => ({
    address,
    ready,
    serving: ep.conditions?.serving ?? ready,
    terminating: ep.conditions?.terminating ?? false,
    nodeName: ep.nodeName ?? pod?.spec.nodeName,
    zone: ep.zone,
    pod,
    ...(addressType !== undefined ? { addressType } : {}),
    podRef,
    ports,
  }));
}

function findServicePort(service: Service, port: number | string): ServicePort | undefined {
  const ports = service.spec?.ports ?? [];
  return typeof port === "number"
    ? ports.find((p) => p.port === port)
    : (ports.find((p) => p.name === port) ??
        (/^\d+$/.test(port) ? ports.find((p) => p.port === Number(port)) : undefined));
}

function pickHealthEndpoint(
  pods: Pod[],
  servicePort: ServicePort | undefined,
): HealthEndpoint | undefined {
  if (!servicePort) return undefined;
  const ready = pods.filter((p) =>
    p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
  );
  for (const pod of [...ready, ...pods]) {
    const endpoint = healthEndpointOf(pod, servicePort);
    if (endpoint) return endpoint;
  }
  return undefined;
}

export function buildModel(snapshot: Snapshot): Model {
  const k = snapshot.kubernetes;
  const nodesByName = indexBy(k.nodes, (n) => n.metadata.name);
  const nodesByInstanceId = indexBy(k.nodes, (n) => instanceIdOf(n.spec?.providerID));
  const podsByKey = indexBy(k.pods, (p) => keyOf(p.metadata));
  const servicesByKey = indexBy(k.services, (s) => keyOf(s.metadata));
  const ingressesByKey = indexBy(k.ingresses, (i) => keyOf(i.metadata));
  const ingressesByGroup = groupBy(k.ingresses, (i) => i.metadata.annotations?.[ALB.groupName]);
  const ingressesByNamespace = groupBy(k.ingresses, (i) => i.metadata.namespace ?? "default");
  const slicesByService = groupBy(k.endpointSlices, (s) => {
    const svc = s.metadata.labels?.["kubernetes.io/service-name"];
    return svc ? `${s.metadata.namespace ?? "default"}/${svc}` : undefined;
  });
  const loadBalancersByArn = indexBy(snapshot.aws.loadBalancers, (lb) => lb.LoadBalancerArn);
  const arnsByName = indexBy(snapshot.aws.targetGroups, (tg) => tg.TargetGroupName);
  const bindingsByArn = groupBy(k.targetGroupBindings, (b) =>
    boundArnOf(b, (name) => arnsByName.get(name)?.TargetGroupArn),
  );
  // A gap naming one target group leaves the others audited; only whole-list gaps stop rules.
  const gapSources = new Set(
    snapshot.gaps.filter((g) => typeof g.targetGroupArn !== "string").map((g) => g.source),
  );
  const healthGaps = new Set(
    snapshot.gaps
      .map((g: Gap) => g.targetGroupArn)
      .filter((arn): arn is string => typeof arn === "string"),
  );

  const gateways = gatewayIndexOf(snapshot, gapSources);
  const servicesByDashed = servicesByDashedName(k.services);
  const targetGroups = snapshot.aws.targetGroups.map((tg): TargetGroupView => {
    const tags = Object.fromEntries((tg.Tags ?? []).map((t) => [t.Key, t.Value ?? ""]));
    const binding = bindingsByArn.get(tg.TargetGroupArn)?.[0];
    const manager: Manager = tags[TAGS.ingressStack]
      ? "ingress"
      : tags[TAGS.serviceStack]
        ? "service"
        : gatewayTags(tags)
          ? "gateway"
          : "user";

    // Another cluster's controller tags its groups with the same stack and resource names when
    // both run the same manifests (staging and prod in one account): those tags name its objects,
    // not ours, so only a binding of ours may tie such a group to this cluster's Services.
    const clusterTag = tags[TAGS.cluster];
    const foreign = !binding && clusterTag !== undefined && clusterTag !== snapshot.cluster.name;

    let namespace: string | undefined;
    let service: Service | undefined;
    let servicePort: ServicePort | undefined;
    if (binding) {
      namespace = binding.metadata.namespace ?? "default";
      service = servicesByKey.get(`${namespace}/${binding.spec.serviceRef.name}`);
      servicePort = service && findServicePort(service, binding.spec.serviceRef.port);
    } else if (!foreign) {
      const fromTag = serviceFromTags(tags, ingressesByNamespace);
      if (fromTag) {
        namespace = fromTag.ns;
        service = servicesByKey.get(`${fromTag.ns}/${fromTag.name}`);
        servicePort = service && fromTag.port ? findServicePort(service, fromTag.port) : undefined;
      } else if (manager === "gateway") {
        const backend = taggedBackend(tags, servicesByDashed);
        service = backend?.service;
        servicePort = backend?.port;
        namespace = service ? (service.metadata.namespace ?? "default") : undefined;
      }
    }

    const ingresses = foreign
      ? []
      : ingressesForTargetGroup(
          tags,
          service,
          servicePort,
          ingressesByKey,
          ingressesByGroup,
          ingressesByNamespace,
        );
    const endpoints = service
      ? endpointViews(
          slicesByService.get(keyOf(service.metadata)) ?? [],
          podsByKey,
          namespace ?? "default",
        )
      : [];
    const backingPods = [...new Set(endpoints.flatMap((e) => (e.pod ? [e.pod] : [])))];
    const endpointsByAddress = indexBy(endpoints, (e) => e.address);
    const targetType = (binding?.spec.targetType ?? tg.TargetType ?? "instance").toLowerCase();
    const fixedHealthCheckPort = toPort(tg.HealthCheckPort);

    const targets = (tg.TargetHealthDescriptions ?? []).map((d): TargetView => {
      const state = d.TargetHealth?.State ?? "unavailable";
      const reason = d.TargetHealth?.Reason ?? null;
      const port = d.Target.Port ?? null;
      const endpoint = targetType === "ip" ? endpointsByAddress.get(d.Target.Id) : undefined;
      const node =
        targetType === "ip"
          ? endpoint?.nodeName !== undefined
            ? nodesByName.get(endpoint.nodeName)
            : undefined
          : nodesByInstanceId.get(d.Target.Id);
      return {
        id: d.Target.Id,
        port,
        availabilityZone: d.Target.AvailabilityZone,
        state,
        reason,
        description: d.TargetHealth?.Description ?? null,
        failing: isFailing(state, reason),
        healthy: state === "healthy",
        checkedPort: toPort(d.HealthCheckPort) ?? fixedHealthCheckPort ?? port,
        node,
        endpoint,
      };
    });

    return {
      arn: tg.TargetGroupArn,
      name:
        tg.TargetGroupName ?? tg.TargetGroupArn.split("/").slice(-2, -1)[0] ?? tg.TargetGroupArn,
      tg,
      targetType,
      tags,
      manager,
      binding,
      namespace,
      service,
      servicePort,
      ingresses,
      loadBalancers: (tg.LoadBalancerArns ?? []).flatMap((arn) => {
        const lb = loadBalancersByArn.get(arn);
        return lb ? [lb] : [];
      }),
      endpoints,
      backingPods,
      targets,
      healthKnown: !healthGaps.has(tg.TargetGroupArn) && !gapSources.has("aws.targetGroups"),
      healthyPerCloudWatch: tg.HealthSource === HEALTH_SOURCE_PREFILTER && targets.length === 0,
      healthEndpoint: pickHealthEndpoint(backingPods, servicePort),
      fixedHealthCheckPort,
      ...(foreign ? {} : gatewayParts(gateways, tags, service)),
    };
  });

  return {
    snapshot,
    cluster: {
      name: snapshot.cluster.name,
      region: snapshot.cluster.region,
      ...(snapshot.cluster.account ? { account: snapshot.cluster.account } : {}),
    },
    targetGroups,
    nodesByName,
    nodesByInstanceId,
    podsByKey,
    servicesByKey,
    ingressesByKey,
    loadBalancersByArn,
    bindingsByArn,
    gapSources,
    notCollected: new Set(
      OPTIONAL_SOURCES.filter((source) => {
        const [section, key] = source.split(".") as ["aws" | "kubernetes", string];
        return snapshot[section][key] === undefined;
      }),
    ),
  };
}
