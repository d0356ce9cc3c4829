/**
 * What the stack's osls plugin (./plugin.mjs) does, in TypeScript: check the parameters before
 * anything is resolved or built, provide the `${auditor:...}` values, and fold the conditions
 * packaging decides out of the compiled template.
 */
import { dashboardBody } from "./dashboard";
import { checkParams, resolveParams, type ParamSources } from "./params";

export { foldConditions } from "./conditions";
export { addFleet } from "./fleet";

export interface ServiceInput extends ParamSources {
  region: string;
  environment: Record<string, unknown> | undefined;
}

export function checkService(input: ServiceInput): string[] {
  return checkParams({
    params: resolveParams(input),
    environment: input.environment,
    region: input.region,
  });
}

/** osls's resolver for another variable, e.g. "param:clusterName" or "self:service". */
type Resolve = (variable: string) => Promise<unknown>;

/** `${auditor:<address>}` in serverless.yml. */
export async function resolveVariable(address: string, resolve: Resolve): Promise<string> {
  const text = async (variable: string) => String(await resolve(variable));
  if (address === "dashboardBody") {
    const [service, stage] = [await text("self:service"), await text("sls:stage")];
    return JSON.stringify(
      dashboardBody({
        namespace: await text("param:metricsNamespace"),
        cluster: await text("param:clusterName"),
        region: await text("self:provider.region"),
        // The framework's name for the function `audit` (no `name:` is set in serverless.yml).
        functionName: `${service}-${stage}-audit`,
        timeoutSeconds: Number(await text("param:timeout")),
        targetGroupMetrics: /^(true|1)$/i.test(await text("param:targetGroupMetrics")),
      }),
    );
  }
  throw new Error(`\${auditor:${address}} is not a value this plugin provides (dashboardBody)`);
}
