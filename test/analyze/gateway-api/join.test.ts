import { describe, expect, it } from "vitest";
import {
  gatewayIndex,
  joinGateway,
  servicesByDashedName,
  taggedBackend,
} from "../../../lib/analyze/gateway-api/join";
import { gatewayTags, resourceParts } from "../../../lib/controller/gateway-api";
import type { GatewayApiLists } from "../../../lib/analyze/gateway-api/objects";
import { gateway, gatewayClass, gatewayGroupTags, route } from "./objects";

const lists = (extra: Partial<GatewayApiLists> = {}): GatewayApiLists => ({
  gatewayClasses: [
    gatewayClass("aws-alb", "gateway.k8s.aws/alb"),
    gatewayClass("aws-nlb", "gateway.k8s.aws/nlb"),
    gatewayClass("istio", "istio.io/gateway-controller"),
  ],
  gateways: [
    gateway("edge", "public-gw", "aws-alb"),
    gateway("edge", "tcp-gw", "aws-nlb"),
    gateway("mesh", "internal", "istio"),
  ],
  httpRoutes: [
    route("HTTPRoute", "shop", "web", { name: "web" }),
    route("HTTPRoute", "shop-web", "api", { name: "api" }),
    // Reads "shop-web-api" in a tag too: only its backend tells it from shop-web/api.
    route("HTTPRoute", "shop", "web-api", { name: "web-api" }),
  ],
  grpcRoutes: [],
  tcpRoutes: [route("TCPRoute", "db", "pg-primary", { name: "pg" })],
  udpRoutes: [],
  tlsRoutes: [],
  ...extra,
});

describe("gatewayTags", () => {
  it.each([
    [
      { "gateway.k8s.aws.alb/stack": "edge/public-gw" },
      { loadBalancer: "alb", stack: "edge/public-gw" },
    ],
    [
      { "gateway.k8s.aws.nlb/stack": "edge/tcp-gw", "gateway.k8s.aws.nlb/resource": "r" },
      { loadBalancer: "nlb", stack: "edge/tcp-gw", resource: "r" },
    ],
    [{ "ingress.k8s.aws/stack": "shop/web" }, undefined],
    [{ "service.k8s.aws/stack": "shop/web" }, undefined],
    // A stack value without a namespace is not the controller's.
    [{ "gateway.k8s.aws.alb/stack": "public-gw" }, undefined],
  ])("%j → %j", (tags, expected) => {
    expect(gatewayTags(tags)).toEqual(expected);
  });
});

describe("resourceParts", () => {
  it.each([
    [
      "edge/public-gw",
      "edge/public-gw:shop-web:HTTPRoute-shop-web:8080",
      { route: "shop-web", kind: "HTTPRoute", service: "shop-web", port: "8080" },
    ],
    [
      "edge/tcp-gw",
      "edge/tcp-gw:db-pg-primary:TCPRoute-db-pg:5432",
      { route: "db-pg-primary", kind: "TCPRoute", service: "db-pg", port: "5432" },
    ],
    // A named targetPort, and a target control port appended with "-".
    [
      "edge/public-gw",
      "edge/public-gw:shop-web:GRPCRoute-shop-web:grpc-3000",
      { route: "shop-web", kind: "GRPCRoute", service: "shop-web", port: "grpc-3000" },
    ],
    ["edge/public-gw", "edge/other:shop-web:HTTPRoute-shop-web:80", undefined],
    ["edge/public-gw", "edge/public-gw:shop-web:Ingress-shop-web:80", undefined],
    ["edge/public-gw", "edge/public-gw:shop-web", undefined],
  ])("%s %s", (stack, resource, expected) => {
    expect(resourceParts(stack, resource)).toEqual(expected);
  });
});

describe("joinGateway", () => {
  const index = gatewayIndex(lists());

  it("ties an ALB group to its Gateway, the controller's class and the route in its resource tag", () => {
    const tags = gatewayGroupTags(
      "alb",
      "edge/public-gw",
      "HTTPRoute",
      "shop/web",
      "shop/web",
      8080,
    );
    const join = joinGateway(index, tags, { namespace: "shop", name: "web" });
    expect(join).toMatchObject({
      loadBalancer: "alb",
      gatewayRef: { namespace: "edge", name: "public-gw" },
      gateway: { metadata: { name: "public-gw" } },
      gatewayClass: { metadata: { name: "aws-alb" } },
      controllerClass: true,
      routeKind: "HTTPRoute",
      route: { kind: "HTTPRoute", namespace: "shop", name: "web" },
    });
  });

  it("ties an NLB group to its TCPRoute", () => {
    const tags = gatewayGroupTags("nlb", "edge/tcp-gw", "TCPRoute", "db/pg-primary", "db/pg", 5432);
    expect(joinGateway(index, tags)).toMatchObject({
      loadBalancer: "nlb",
      route: { kind: "TCPRoute", namespace: "db", name: "pg-primary" },
    });
  });

  it("tells two routes apart that read the same in the tag by the Service they route to", () => {
    const tags = gatewayGroupTags(
      "alb",
      "edge/public-gw",
      "HTTPRoute",
      "shop-web/api",
      "shop-web/api",
      80,
    );
    expect(joinGateway(index, tags, { namespace: "shop-web", name: "api" })?.route).toEqual({
      kind: "HTTPRoute",
      namespace: "shop-web",
      name: "api",
    });
    const other = gatewayGroupTags(
      "alb",
      "edge/public-gw",
      "HTTPRoute",
      "shop/web-api",
      "shop/web-api",
      80,
    );
    expect(joinGateway(index, other, { namespace: "shop", name: "web-api" })?.route).toEqual({
      kind: "HTTPRoute",
      namespace: "shop",
      name: "web-api",
    });
    // Without the Service the snapshot cannot choose, and says so instead of guessing.
    expect(joinGateway(index, other)).toMatchObject({ routeMissing: "ambiguous" });
    expect(joinGateway(index, other)?.route).toBeUndefined();
  });

  it.each([
    ["a route that is not in the snapshot", lists(), "not found"],
    [
      "routes of the kind that were not collected",
      lists({ httpRoutes: undefined }),
      "not collected",
    ],
  ])("names why the route is missing: %s", (_, given, missing) => {
    const tags = gatewayGroupTags(
      "alb",
      "edge/public-gw",
      "HTTPRoute",
      "shop/gone",
      "shop/web",
      80,
    );
    const join = joinGateway(gatewayIndex(given), tags);
    expect(join).toMatchObject({ routeKind: "HTTPRoute", routeMissing: missing });
    expect(join?.gateway?.metadata.name).toBe("public-gw");
  });

  it("keeps the Gateway reference when the Gateway itself is not in the snapshot", () => {
    const tags = gatewayGroupTags(
      "alb",
      "edge/deleted-gw",
      "HTTPRoute",
      "shop/web",
      "shop/web",
      80,
    );
    const join = joinGateway(index, tags);
    expect(join?.gatewayRef).toEqual({ namespace: "edge", name: "deleted-gw" });
    expect(join?.gateway).toBeUndefined();
    expect(join?.gatewayClass).toBeUndefined();
    expect(join?.controllerClass).toBeUndefined();
  });

  it("is undefined for groups the controller built for an Ingress or a Service", () => {
    expect(joinGateway(index, { "ingress.k8s.aws/stack": "shop/web" })).toBeUndefined();
    expect(joinGateway(index, {})).toBeUndefined();
  });

  it("a group without a resource tag still has its Gateway", () => {
    const join = joinGateway(index, { "gateway.k8s.aws.alb/stack": "edge/public-gw" });
    expect(join).toMatchObject({
      gateway: { metadata: { name: "public-gw" } },
      routeMissing: "untagged",
    });
    expect(join?.routeKind).toBeUndefined();
  });
});

describe("taggedBackend (a group no binding names)", () => {
  const svc = (
    namespace: string,
    name: string,
    ports = [{ name: "http", port: 80, targetPort: "http" as string | number }],
  ) => ({
    metadata: { namespace, name },
    spec: { ports },
  });
  const services = [
    svc("shop", "web", [
      { name: "http", port: 80, targetPort: 8080 },
      { name: "admin", port: 9000, targetPort: "admin" },
    ]),
    svc("shop-web", "api"),
    svc("shop", "web-api"),
    // Two ports to one targetPort: the tag cannot tell which.
    svc("db", "pg", [
      { name: "a", port: 5432, targetPort: 5432 },
      { name: "b", port: 6432, targetPort: 5432 },
    ]),
  ];
  const byName = servicesByDashedName(services);
  const tags = (service: string, port: string) => ({
    "gateway.k8s.aws.alb/stack": "edge/public-gw",
    "gateway.k8s.aws.alb/resource": `edge/public-gw:shop-web:HTTPRoute-${service}:${port}`,
  });

  it("finds the Service by the tag's <ns>-<name> and its port by the targetPort", () => {
    expect(taggedBackend(tags("shop-web", "8080"), byName)).toEqual({
      service: services[0],
      port: { name: "http", port: 80, targetPort: 8080 },
    });
    expect(taggedBackend(tags("shop-web", "admin"), byName)?.port?.name).toBe("admin");
  });

  it("never splits on -, and leaves what the tag cannot tell unknown", () => {
    // shop-web/api and shop/web-api both read "shop-web-api": no guess.
    expect(taggedBackend(tags("shop-web-api", "http"), byName)).toBeUndefined();
    expect(taggedBackend(tags("db-pgx", "5432"), byName)).toBeUndefined();
    expect(taggedBackend(tags("db-pg", "5432"), byName)).toEqual({ service: services[3] });
    expect(
      taggedBackend({ "gateway.k8s.aws.alb/stack": "edge/public-gw" }, byName),
    ).toBeUndefined();
    expect(taggedBackend({ "ingress.k8s.aws/stack": "shop/web" }, byName)).toBeUndefined();
  });
});
