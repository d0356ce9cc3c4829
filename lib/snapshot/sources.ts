/**
 * The lists of snapshot v1 by name, and the constants of its fields, without the schemas:
 * importing this module builds no zod schema (an offline audit of a valid snapshot loads no zod).
 * schema.ts re-exports everything here.
 */

/** `HealthSource` of a group whose targets the live collector left unlisted (healthy per CloudWatch). */
export const HEALTH_SOURCE_PREFILTER = "cloudwatch-prefilter";

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

/** The optional lists (snapshot.md "Optional lists"): absent means not collected, never a gap. */
export const OPTIONAL_SOURCES = [
  "aws.instances",
  "aws.networkInterfaces",
  "aws.securityGroups",
  "aws.subnets",
  "aws.networkAcls",
  "kubernetes.events",
  "kubernetes.gatewayClasses",
  "kubernetes.gateways",
  "kubernetes.httpRoutes",
  "kubernetes.grpcRoutes",
  "kubernetes.tcpRoutes",
  "kubernetes.udpRoutes",
  "kubernetes.tlsRoutes",
  "kubernetes.targetGroupConfigurations",
  "kubernetes.loadBalancerConfigurations",
] as const;
export type RequiredSource = (typeof SOURCES)[number];
export type OptionalSource = (typeof OPTIONAL_SOURCES)[number];
export type Source = RequiredSource | OptionalSource;
