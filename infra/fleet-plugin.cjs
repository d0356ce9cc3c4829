// Serverless plugin: adds the fleet mode (lib/fleet/template.ts) to the stack when the `fleet`
// or `fleetParameter` parameter is set, and fails packaging with one line when a parameter or
// the fleet definition is wrong — before anything is built. The TypeScript module is bundled in
// memory with esbuild (a dev dependency, like the framework itself), so the template, the
// validator test and the deployment share one definition of the fleet.
"use strict";
const { readFileSync } = require("node:fs");
const { resolve } = require("node:path");
const Module = require("node:module");

function loadTemplateModule(serviceDir) {
  const { buildSync } = require("esbuild");
  const entry = resolve(serviceDir, "lib/fleet/template.ts");
  const out = buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    write: false,
    logLevel: "silent",
  });
  const mod = new Module(entry);
  mod.filename = entry;
  mod.paths = Module._nodeModulePaths(serviceDir);
  mod._compile(out.outputFiles[0].text, entry);
  return mod.exports;
}

class FleetPlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { "before:package:initialize": () => this.addFleet() };
  }

  addFleet() {
    const sls = this.serverless;
    const service = sls.service;
    const settings = service.custom?.fleet ?? {};
    const serviceDir = sls.serviceDir ?? process.cwd();
    const { fleetTemplate } = loadTemplateModule(serviceDir);
    let template;
    try {
      template = fleetTemplate(
        {
          definition: settings.definition,
          parameter: settings.parameter,
          memberRoleName: String(settings.memberRoleName ?? ""),
          maxConcurrency: String(settings.maxConcurrency ?? ""),
          workerTimeout: String(settings.workerTimeout ?? ""),
          scheduleRate: String(settings.scheduleRate ?? ""),
          scheduleEnabled: String(settings.scheduleEnabled ?? ""),
          summaryMessage: String(settings.summaryMessage ?? ""),
        },
        (path) => readFileSync(resolve(serviceDir, path), "utf8"),
      );
    } catch (error) {
      if (error && error.name === "FleetError") throw new sls.classes.Error(error.message);
      throw error;
    }
    if (!template) return;

    const stage = service.provider.stage;
    // The state machine's schedule replaces the single-cluster one; without a cluster of its
    // own, the single-cluster function is not deployed at all.
    const single = service.functions.audit;
    if (single) {
      if (String(settings.singleCluster ?? "").trim()) single.events = [];
      else delete service.functions.audit;
    }
    for (const [name, fn] of Object.entries(template.functions)) {
      service.functions[name] = { ...fn, name: `${service.service}-${stage}-${name}`, events: [] };
    }
    const resources = (service.resources ??= {});
    resources.Resources = { ...(resources.Resources ?? {}), ...template.resources };
    resources.Outputs = { ...(resources.Outputs ?? {}), ...template.outputs };
  }
}

module.exports = FleetPlugin;
