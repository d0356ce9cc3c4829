/**
 * Gives the fleet's member role read access to every cluster of one account: an EKS access
 * entry mapping the role to the Kubernetes group that infra/rbac.yaml binds to its read-only
 * ClusterRole, then that RBAC. Run it once per account, with that account's credentials:
 *
 *   npx tsx infra/fleet-access.ts --fleet infra/fleet.yml --account 111111111111 [--dry-run]
 *
 * --dry-run prints the commands instead of running them. An access entry that already exists is
 * left as it is. The kubeconfig it needs is written to a temporary file, never to ~/.kube/config.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { FleetError, parseFleetText, type FleetCluster } from "../lib/fleet/definition";

export const READERS_GROUP = "alb-health-auditor-readers";

/** The commands for one cluster, in order. */
export function accessCommands(
  cluster: FleetCluster,
  kubeconfig: string,
  rbac: string,
): string[][] {
  const where = ["--region", cluster.region];
  return [
    [
      "aws",
      "eks",
      "create-access-entry",
      "--cluster-name",
      cluster.name,
      ...where,
      "--principal-arn",
      cluster.roleArn,
      "--type",
      "STANDARD",
      "--kubernetes-groups",
      READERS_GROUP,
    ],
    [
      "aws",
      "eks",
      "update-kubeconfig",
      "--name",
      cluster.name,
      ...where,
      "--kubeconfig",
      kubeconfig,
    ],
    ["kubectl", "--kubeconfig", kubeconfig, "apply", "-f", rbac],
  ];
}

const quote = (arg: string) =>
  /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;

function main(argv: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        fleet: { type: "string" },
        account: { type: "string" },
        "dry-run": { type: "boolean", default: false },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`fleet-access: ${(error as Error).message.split("\n")[0]}`);
    return 2;
  }
  if (!values.fleet) {
    console.error("fleet-access: --fleet FILE is required");
    return 2;
  }
  let clusters: FleetCluster[];
  try {
    clusters = parseFleetText(readFileSync(values.fleet, "utf8"), {
      source: values.fleet,
    }).clusters;
  } catch (error) {
    const message = error instanceof FleetError ? error.message : `${values.fleet}: cannot be read`;
    console.error(`fleet-access: ${message}`);
    return 2;
  }
  if (values.account) clusters = clusters.filter((c) => c.account === values.account);
  if (clusters.length === 0) {
    console.error(`fleet-access: no cluster of account ${values.account} in ${values.fleet}`);
    return 2;
  }
  const rbac = join(import.meta.dirname, "rbac.yaml");
  const dir = values["dry-run"] ? "$KUBECONFIG_DIR" : mkdtempSync(join(tmpdir(), "fleet-access-"));
  let failed = 0;
  try {
    for (const cluster of clusters) {
      const kubeconfig = join(dir, `${cluster.account}-${cluster.region}-${cluster.name}`);
      console.error(`# ${cluster.name} (${cluster.account}, ${cluster.region})`);
      for (const command of accessCommands(cluster, kubeconfig, rbac)) {
        if (values["dry-run"]) {
          console.log(command.map(quote).join(" "));
          continue;
        }
        const run = spawnSync(command[0]!, command.slice(1), { encoding: "utf8" });
        const exists =
          command[2] === "create-access-entry" && /ResourceInUseException/.test(run.stderr ?? "");
        if (run.status === 0 || exists) {
          if (exists) console.error("  access entry already exists; kept");
          continue;
        }
        console.error(
          `  failed: ${command.slice(0, 3).join(" ")}: ${(run.stderr ?? run.error?.message ?? "").trim().split("\n")[0]}`,
        );
        failed += 1;
        break;
      }
    }
  } finally {
    if (!values["dry-run"]) rmSync(dir, { recursive: true, force: true });
  }
  return failed > 0 ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(main(process.argv.slice(2)));
