// The stack's osls plugin (serverless.yml `plugins`). JavaScript because osls loads plugins
// with require or import; what it does is TypeScript in ./index.ts, loaded through tsx.
import { tsImport } from "tsx/esm/api";

let loaded;
const stack = () => (loaded ??= tsImport("./index.ts", import.meta.url));

export default class AuditorStackPlugin {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options;
    this.configurationVariablesSources = {
      auditor: {
        resolve: async ({ address, resolveVariable }) => ({
          value: await (await stack()).resolveVariable(address, resolveVariable),
        }),
      },
    };
    this.hooks = {
      // Fleet mode (lib/fleet): its functions and resources join the service before packaging
      // builds them; the parameters were checked in asyncInit.
      "before:package:initialize": async () => {
        const sls = this.serverless;
        (await stack()).addFleet(sls.service, sls.serviceDir ?? process.cwd());
      },
      // After the framework merged `resources` into the template, before it is written.
      "before:aws:package:finalize:saveServiceState": async () => {
        const provider = this.serverless.service.provider;
        provider.compiledCloudFormationTemplate = (await stack()).foldConditions(
          provider.compiledCloudFormationTemplate,
        );
      },
    };
  }

  // Runs when the service is loaded: before osls resolves ${param:...} (so a missing
  // clusterName is named here, not as "Value not found") and before anything is built.
  async asyncInit() {
    const { processedInput, configurationInput } = this.serverless;
    if (!processedInput.commands?.length || processedInput.options?.help) return;
    const provider = configurationInput?.provider ?? {};
    const problems = (await stack()).checkService({
      cli: processedInput.options?.param,
      config: configurationInput?.params,
      stage: this.options.stage ?? provider.stage ?? "dev",
      region: this.options.region ?? provider.region ?? "us-east-1",
      environment: provider.environment,
    });
    if (problems.length > 0) throw new this.serverless.classes.Error(problems.join("\n"));
  }
}
