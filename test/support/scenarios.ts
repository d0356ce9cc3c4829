/**
 * Healthy baseline snapshots that rule tests copy and break one fact at a time, so each test
 * shows exactly which change makes a rule fire (and that the baseline stays quiet).
 */
import { parseSnapshot } from "../../lib/snapshot/read";
import type { Snapshot, SnapshotInput } from "../../lib/snapshot/schema";

export const CLUSTER = "shop-prod";
export const REGION = "eu-west-1";
export const LB_ARN =
  "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/k8s-shop/0123456789abcdef";
export const GW_TG_ARN =
  "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/k8s-istiosys-gw/aaaaaaaaaaaaaaaa";
export const APP_TG_ARN =
  "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/k8s-shop-cart/bbbbbbbbbbbbbbbb";

export const NODES = [
  {
    name: "ip-10-0-1-10.eu-west-1.compute.internal",
    id: "i-0000000000000000a",
    zone: "eu-west-1a",
  },
  {
    name: "ip-10-0-2-10.eu-west-1.compute.internal",
    id: "i-0000000000000000b",
    zone: "eu-west-1b",
  },
  {
    name: "ip-10-0-3-10.eu-west-1.compute.internal",
    id: "i-0000000000000000c",
    zone: "eu-west-1c",
  },
] as const;

export function node(name: string, instanceId: string, zone: string) {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "topology.kubernetes.io/zone": zone } },
    spec: { providerID: `aws:///${zone}/${instanceId}` },
    status: { conditions: [{ type: "Ready", status: "True" }] },
  };
}

export function target(
  id: string,
  port: number,
  state = "healthy",
  reason?: string,
  description?: string,
) {
  return {
    Target: { Id: id, Port: port },
    HealthCheckPort: String(port),
    TargetHealth: {
      State: state,
      ...(reason ? { Reason: reason } : {}),
      ...(description ? { Description: description } : {}),
    },
  };
}

const loadBalancer = {
  LoadBalancerArn: LB_ARN,
  LoadBalancerName: "k8s-shop",
  Type: "application",
  Scheme: "internal",
  VpcId: "vpc-1",
  State: { Code: "active" },
  AvailabilityZones: NODES.map((n) => ({ ZoneName: n.zone, SubnetId: `subnet-${n.zone}` })),
};

function gatewayPod(suffix: string, nodeName: string, ip: string) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `istio-ingressgateway-5f7d-${suffix}`,
      namespace: "istio-system",
      labels: { app: "istio-ingressgateway", istio: "ingressgateway" },
    },
    spec: {
      nodeName,
      containers: [
        {
          name: "istio-proxy",
          ports: [
            { name: "status-port", containerPort: 15021 },
            { containerPort: 8080 },
            { containerPort: 8443 },
          ],
          readinessProbe: { httpGet: { path: "/healthz/ready", port: 15021, scheme: "HTTP" } },
        },
      ],
    },
    status: {
      phase: "Running",
      podIP: ip,
      conditions: [{ type: "Ready", status: "True" }],
      containerStatuses: [
        { name: "istio-proxy", ready: true, restartCount: 0, state: { running: {} } },
      ],
    },
  };
}

/**
 * Instance mode: an Istio ingress gateway (NodePort Service) behind an ALB created from an
 * Ingress, checked correctly on the status-port NodePort 31127 with /healthz/ready over HTTP.
 * Gateway pods run on the first two nodes; all three nodes are healthy targets.
 */
export function healthyInstanceGatewayInput(): SnapshotInput {
  return {
    version: 1,
    capturedAt: "2026-11-24T10:00:00Z",
    cluster: { name: CLUSTER, region: REGION },
    aws: {
      loadBalancers: [structuredClone(loadBalancer)],
      targetGroups: [
        {
          TargetGroupArn: GW_TG_ARN,
          TargetGroupName: "k8s-istiosys-gw-1234567890",
          Protocol: "HTTP",
          Port: 31246,
          VpcId: "vpc-1",
          TargetType: "instance",
          HealthCheckEnabled: true,
          HealthCheckProtocol: "HTTP",
          HealthCheckPort: "31127",
          HealthCheckPath: "/healthz/ready",
          Matcher: { HttpCode: "200" },
          LoadBalancerArns: [LB_ARN],
          Tags: [
            { Key: "elbv2.k8s.aws/cluster", Value: CLUSTER },
            { Key: "ingress.k8s.aws/stack", Value: "istio-system/gateway" },
            {
              Key: "ingress.k8s.aws/resource",
              Value: "istio-system/gateway-istio-ingressgateway:80",
            },
          ],
          TargetHealthDescriptions: NODES.map((n) => ({
            ...target(n.id, 31246),
            HealthCheckPort: "31127",
          })),
        },
      ],
    },
    kubernetes: {
      nodes: NODES.map((n) => node(n.name, n.id, n.zone)),
      services: [
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: {
            name: "istio-ingressgateway",
            namespace: "istio-system",
            annotations: {
              "alb.ingress.kubernetes.io/healthcheck-port": "31127",
              "alb.ingress.kubernetes.io/healthcheck-path": "/healthz/ready",
              "alb.ingress.kubernetes.io/healthcheck-protocol": "HTTP",
            },
          },
          spec: {
            type: "NodePort",
            selector: { app: "istio-ingressgateway", istio: "ingressgateway" },
            externalTrafficPolicy: "Cluster",
            ports: [
              {
                name: "status-port",
                port: 15021,
                targetPort: 15021,
                nodePort: 31127,
                protocol: "TCP",
              },
              { name: "http2", port: 80, targetPort: 8080, nodePort: 31246, protocol: "TCP" },
              { name: "https", port: 443, targetPort: 8443, nodePort: 31253, protocol: "TCP" },
            ],
          },
        },
      ],
      endpointSlices: [
        {
          apiVersion: "discovery.k8s.io/v1",
          kind: "EndpointSlice",
          addressType: "IPv4",
          metadata: {
            name: "istio-ingressgateway-abcde",
            namespace: "istio-system",
            labels: { "kubernetes.io/service-name": "istio-ingressgateway" },
          },
          endpoints: [
            {
              addresses: ["10.0.1.50"],
              conditions: { ready: true, serving: true, terminating: false },
              nodeName: NODES[0].name,
              zone: NODES[0].zone,
              targetRef: {
                kind: "Pod",
                name: "istio-ingressgateway-5f7d-aaaaa",
                namespace: "istio-system",
              },
            },
            {
              addresses: ["10.0.2.50"],
              conditions: { ready: true, serving: true, terminating: false },
              nodeName: NODES[1].name,
              zone: NODES[1].zone,
              targetRef: {
                kind: "Pod",
                name: "istio-ingressgateway-5f7d-bbbbb",
                namespace: "istio-system",
              },
            },
          ],
          ports: [
            { name: "status-port", port: 15021, protocol: "TCP" },
            { name: "http2", port: 8080, protocol: "TCP" },
            { name: "https", port: 8443, protocol: "TCP" },
          ],
        },
      ],
      pods: [
        gatewayPod("aaaaa", NODES[0].name, "10.0.1.50"),
        gatewayPod("bbbbb", NODES[1].name, "10.0.2.50"),
      ],
      ingresses: [
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "Ingress",
          metadata: {
            name: "gateway",
            namespace: "istio-system",
            annotations: { "alb.ingress.kubernetes.io/scheme": "internal" },
          },
          spec: {
            ingressClassName: "alb",
            rules: [
              {
                http: {
                  paths: [
                    {
                      path: "/",
                      pathType: "Prefix",
                      backend: { service: { name: "istio-ingressgateway", port: { number: 80 } } },
                    },
                  ],
                },
              },
            ],
          },
        },
      ],
      targetGroupBindings: [
        {
          apiVersion: "elbv2.k8s.aws/v1beta1",
          kind: "TargetGroupBinding",
          metadata: {
            name: "k8s-istiosys-gw-1234567890",
            namespace: "istio-system",
            labels: { "ingress.k8s.aws/stack": "istio-system/gateway" },
          },
          spec: {
            targetGroupARN: GW_TG_ARN,
            targetType: "instance",
            serviceRef: { name: "istio-ingressgateway", port: 80 },
          },
        },
      ],
      peerAuthentications: [],
    },
  };
}

function appPod(suffix: string, nodeName: string, ip: string) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `cart-7c9d-${suffix}`,
      namespace: "shop",
      labels: { app: "cart" },
      annotations: { "sidecar.istio.io/status": '{"containers":["istio-proxy"]}' },
    },
    spec: {
      nodeName,
      containers: [
        {
          name: "cart",
          ports: [{ name: "http", containerPort: 8080 }],
          // Istio rewrote the probe to its agent; the original is in ISTIO_KUBE_APP_PROBERS.
          readinessProbe: {
            httpGet: { path: "/app-health/cart/readyz", port: 15020, scheme: "HTTP" },
          },
          livenessProbe: {
            httpGet: { path: "/app-health/cart/livez", port: 15020, scheme: "HTTP" },
          },
        },
        {
          name: "istio-proxy",
          ports: [{ name: "http-envoy-prom", containerPort: 15090 }],
          env: [
            {
              name: "ISTIO_KUBE_APP_PROBERS",
              value: JSON.stringify({
                "/app-health/cart/readyz": {
                  httpGet: { path: "/ready", port: 8080, scheme: "HTTP" },
                  timeoutSeconds: 1,
                },
                "/app-health/cart/livez": {
                  httpGet: { path: "/live", port: 8080, scheme: "HTTP" },
                  timeoutSeconds: 1,
                },
              }),
            },
          ],
          readinessProbe: { httpGet: { path: "/healthz/ready", port: 15021, scheme: "HTTP" } },
        },
      ],
    },
    status: {
      phase: "Running",
      podIP: ip,
      conditions: [{ type: "Ready", status: "True" }],
      containerStatuses: [
        { name: "cart", ready: true, restartCount: 0, state: { running: {} } },
        { name: "istio-proxy", ready: true, restartCount: 0, state: { running: {} } },
      ],
    },
  };
}

/**
 * IP mode: an Istio-injected app (`shop/cart`, port 8080, readiness `/ready`) registered by pod
 * IP, health check on traffic-port with `/ready` over HTTP, mesh-wide PERMISSIVE mTLS.
 */
export function healthyIpAppInput(): SnapshotInput {
  const pods = [
    appPod("aaaaa", NODES[0].name, "10.0.1.60"),
    appPod("bbbbb", NODES[1].name, "10.0.2.60"),
  ];
  return {
    version: 1,
    capturedAt: "2026-11-24T10:00:00Z",
    cluster: { name: CLUSTER, region: REGION },
    aws: {
      loadBalancers: [structuredClone(loadBalancer)],
      targetGroups: [
        {
          TargetGroupArn: APP_TG_ARN,
          TargetGroupName: "k8s-shop-cart-0987654321",
          Protocol: "HTTP",
          Port: 8080,
          VpcId: "vpc-1",
          TargetType: "ip",
          HealthCheckEnabled: true,
          HealthCheckProtocol: "HTTP",
          HealthCheckPort: "traffic-port",
          HealthCheckPath: "/ready",
          Matcher: { HttpCode: "200" },
          LoadBalancerArns: [LB_ARN],
          Tags: [
            { Key: "elbv2.k8s.aws/cluster", Value: CLUSTER },
            { Key: "ingress.k8s.aws/stack", Value: "shop/cart" },
            { Key: "ingress.k8s.aws/resource", Value: "shop/cart-cart:80" },
          ],
          TargetHealthDescriptions: [target("10.0.1.60", 8080), target("10.0.2.60", 8080)],
        },
      ],
    },
    kubernetes: {
      nodes: NODES.map((n) => node(n.name, n.id, n.zone)),
      services: [
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: {
            name: "cart",
            namespace: "shop",
            annotations: { "alb.ingress.kubernetes.io/healthcheck-path": "/ready" },
          },
          spec: {
            type: "ClusterIP",
            selector: { app: "cart" },
            ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
          },
        },
      ],
      endpointSlices: [
        {
          apiVersion: "discovery.k8s.io/v1",
          kind: "EndpointSlice",
          addressType: "IPv4",
          metadata: {
            name: "cart-xyz12",
            namespace: "shop",
            labels: { "kubernetes.io/service-name": "cart" },
          },
          endpoints: pods.map((p) => ({
            addresses: [p.status.podIP],
            conditions: { ready: true, serving: true, terminating: false },
            nodeName: p.spec.nodeName,
            targetRef: { kind: "Pod", name: p.metadata.name, namespace: "shop" },
          })),
          ports: [{ name: "http", port: 8080, protocol: "TCP" }],
        },
      ],
      pods,
      ingresses: [
        {
          apiVersion: "networking.k8s.io/v1",
          kind: "Ingress",
          metadata: {
            name: "cart",
            namespace: "shop",
            annotations: { "alb.ingress.kubernetes.io/target-type": "ip" },
          },
          spec: {
            ingressClassName: "alb",
            rules: [
              {
                http: {
                  paths: [
                    {
                      path: "/",
                      pathType: "Prefix",
                      backend: { service: { name: "cart", port: { number: 80 } } },
                    },
                  ],
                },
              },
            ],
          },
        },
      ],
      targetGroupBindings: [
        {
          apiVersion: "elbv2.k8s.aws/v1beta1",
          kind: "TargetGroupBinding",
          metadata: {
            name: "k8s-shop-cart-0987654321",
            namespace: "shop",
            labels: { "ingress.k8s.aws/stack": "shop/cart" },
          },
          spec: {
            targetGroupARN: APP_TG_ARN,
            targetType: "ip",
            serviceRef: { name: "cart", port: 80 },
          },
        },
      ],
      peerAuthentications: [
        {
          apiVersion: "security.istio.io/v1",
          kind: "PeerAuthentication",
          metadata: { name: "default", namespace: "istio-system" },
          spec: { mtls: { mode: "PERMISSIVE" } },
        },
      ],
    },
  };
}

/** Builds a validated snapshot after letting the test change the raw input. */
export function snapshotOf(input: SnapshotInput, edit?: (s: SnapshotInput) => void): Snapshot {
  const copy = structuredClone(input);
  edit?.(copy);
  return parseSnapshot(copy);
}

/** Typed access to lists of a raw input, which the schema marks optional. */
export const k8s = (s: SnapshotInput) => s.kubernetes as Required<SnapshotInput["kubernetes"]>;
export const tgs = (s: SnapshotInput) => s.aws.targetGroups!;
