/**
 * Which core/v1 Events the snapshot keeps (snapshot.md, `kubernetes.events`): Warnings that the
 * AWS Load Balancer Controller wrote on the objects it builds load balancers from. The server
 * filters `type=Warning`; a field selector takes one value per field, so kind and source are
 * filtered here. Everything else (pods' probe failures, the scheduler's complaints) is left out:
 * CTRL001 reads only the controller's own words.
 */
export const CONTROLLER_EVENT_KINDS: ReadonlySet<string> = new Set([
  "Ingress",
  "Service",
  "TargetGroupBinding",
  "Gateway",
  "HTTPRoute",
  "GRPCRoute",
  "TCPRoute",
  "UDPRoute",
  "TLSRoute",
  "TargetGroupConfiguration",
]);

/** The controller's event recorders (its main.go): one per reconciler, Gateway ones by class. */
const COMPONENTS: ReadonlySet<string> = new Set(["ingress", "service", "targetGroupBinding"]);
const GATEWAY_COMPONENT_PREFIX = "gateway.k8s.aws/";

export function isControllerComponent(name: unknown): boolean {
  return (
    typeof name === "string" && (COMPONENTS.has(name) || name.startsWith(GATEWAY_COMPONENT_PREFIX))
  );
}

type Json = Record<string, unknown>;
const field = (value: unknown, key: string): unknown =>
  value !== null && typeof value === "object" ? (value as Json)[key] : undefined;

/**
 * Who wrote the event: `source.component` (the recorder's name), or `reportingComponent`
 * (`reportingController` in an events.k8s.io/v1 object assembled by hand).
 */
export function eventComponents(event: Json): unknown[] {
  return [
    field(event.source, "component"),
    event.reportingComponent,
    event.reportingController,
  ].filter((v) => v !== undefined && v !== "");
}

export function isControllerWarning(event: Json): boolean {
  return (
    event.type === "Warning" &&
    CONTROLLER_EVENT_KINDS.has(String(field(event.involvedObject, "kind"))) &&
    eventComponents(event).some(isControllerComponent)
  );
}
