/**
 * The CloudWatch dashboards of a deployment: what the audit finds (findings by severity and by
 * code over time) and how the audit itself is doing (duration against the timeout, ELB and EC2
 * API calls against the account's budget, gaps, sink failures, errors, recent failures in the
 * log) — for its one cluster, or across a fleet, where every series is one cluster's (Account,
 * Region, Cluster) and the fleet-wide lines are aggregated by SEARCH or Metrics Insights. Metric
 * names and dimensions are those of lib/report/metrics.ts and lib/fleet/summary.ts.
 */
import { CLUSTER_DIMENSIONS } from "../../lib/report/metrics";

export interface DashboardInput {
  namespace: string;
  cluster: string;
  region: string;
  functionName: string;
  timeoutSeconds: number;
  /** Per-target-group metrics are on (TARGET_GROUP_METRICS): show unhealthy targets per group. */
  targetGroupMetrics: boolean;
}

export interface FleetDashboardInput {
  namespace: string;
  /** The deployment's region: every fleet metric is written there, whatever the cluster's. */
  region: string;
  workerFunctionName: string;
  workerTimeoutSeconds: number;
  targetGroupMetrics: boolean;
}

/** Five-minute points: one scheduled run each at the default rate. */
const PERIOD = 300;
/** The ELB Describe* refill of one account and region, 10 calls a second, shared with the controller. */
const ELB_REFILL_PER_PERIOD = 10 * PERIOD;
const FLEET = CLUSTER_DIMENSIONS.fleet;

type Metric = (string | Record<string, unknown>)[];
interface Widget {
  type: "metric" | "text" | "log";
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}
type Row = [number, Omit<Widget, "x" | "y" | "height">[]];

const lambda = (functionName: string) => (name: string, options: Record<string, unknown>) => [
  "AWS/Lambda",
  name,
  "FunctionName",
  functionName,
  options,
];

/** A function's invocations, errors and throttles: Lambda's own metrics of the audit. */
const invocations = (fn: ReturnType<typeof lambda>) =>
  ["Invocations", "Errors", "Throttles"].map((name) => fn(name, { stat: "Sum" }));

const chart = (
  region: string,
  title: string,
  metrics: Metric[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({
  title,
  region,
  view: "timeSeries",
  period: PERIOD,
  metrics,
  ...extra,
});

/**
 * SEARCH over exactly one dimension set (the schema), optionally narrowed by dimension values.
 * A namespace such as Platform/AlbAudit must be quoted in the schema.
 */
const searchOf = (
  namespace: string,
  metric: string,
  schema: readonly string[],
  stat: string,
  where: Record<string, string> = {},
) => {
  const filters = Object.entries(where).map(([k, v]) => ` ${k}="${v}"`);
  return `SEARCH('{"${namespace}",${[...schema].sort().join(",")}} MetricName="${metric}"${filters.join("")}', '${stat}', ${PERIOD})`;
};

/** One expression line; '' as the label keeps each series' own label (its dimension values). */
const expression = (expr: string, id: string, label = "") => [{ expression: expr, id, label }];

/**
 * A Metrics Insights query over one dimension set, grouped. Identifiers are always quoted:
 * ACCOUNT and CLUSTER are among its reserved words.
 */
export const insightsQuery = (
  namespace: string,
  fn: "MAX" | "SUM",
  metric: string,
  schema: readonly string[],
  groupBy: readonly string[],
  where: Record<string, string> = {},
) => {
  const q = (id: string) => `"${id}"`;
  const filters = Object.entries(where).map(([k, v]) => `${q(k)} = '${v}'`);
  return [
    `SELECT ${fn}(${q(metric)})`,
    `FROM SCHEMA(${[namespace, ...[...schema].sort()].map(q).join(", ")})`,
    ...(filters.length ? [`WHERE ${filters.join(" AND ")}`] : []),
    `GROUP BY ${groupBy.map(q).join(", ")}`,
    `ORDER BY ${fn}() DESC`,
  ].join(" ");
};

const failuresLog = (region: string, functionName: string, extraFields = "") => ({
  type: "log" as const,
  width: 12,
  properties: {
    title: "Recent failures (errors and failed sinks)",
    region,
    view: "table",
    query: [
      `SOURCE '/aws/lambda/${functionName}'`,
      `fields @timestamp, ${extraFields}message, error.name, error.message, sink, reason`,
      'filter level = "ERROR" or message = "sink failed"',
      "sort @timestamp desc",
      "limit 20",
    ].join(" | "),
  },
});

function laidOut(rows: Row[]): { widgets: Widget[] } {
  const widgets: Widget[] = [];
  let y = 0;
  for (const [height, row] of rows) {
    let x = 0;
    for (const w of row) {
      widgets.push({ ...w, x, y, height });
      x += w.width;
    }
    y += height;
  }
  return { widgets };
}

const elbRefill = {
  label: "account's ELB refill (10/s, shared with the controller)",
  value: ELB_REFILL_PER_PERIOD,
};

const metricWidget = (width: number, properties: Record<string, unknown>) => ({
  type: "metric" as const,
  width,
  properties,
});

const ZERO_UP = { yAxis: { left: { min: 0 } } };
/** From zero up, with a horizontal line (a limit) marked. */
const markedAt = (line: { label: string; value: number }) => ({
  ...ZERO_UP,
  annotations: { horizontal: [line] },
});
const SEVERITIES = ["critical", "warning", "info"];

export function dashboardBody(input: DashboardInput): { widgets: Widget[] } {
  const { namespace, cluster, region, functionName } = input;
  const own = (name: string, dims: string[] = [], options: Record<string, unknown> = {}) => [
    namespace,
    name,
    "Cluster",
    cluster,
    ...dims,
    options,
  ];
  const fn = lambda(functionName);
  const search = (metric: string, dims: string[], stat: string) =>
    searchOf(namespace, metric, ["Cluster", ...dims], stat, { Cluster: cluster });

  const rows: Row[] = [
    [
      6,
      [
        metricWidget(
          12,
          chart(
            region,
            "Findings by severity",
            SEVERITIES.map((s) => own("Findings", ["Severity", s], { stat: "Maximum", label: s })),
            { stacked: true, ...ZERO_UP },
          ),
        ),
        metricWidget(
          12,
          chart(
            region,
            "Findings by code",
            [expression(search("Findings", ["Code", "Severity"], "Maximum"), "codes")],
            { stacked: true, ...ZERO_UP },
          ),
        ),
      ],
    ],
    [
      6,
      [
        metricWidget(
          8,
          chart(
            region,
            "Audit duration (ms)",
            [
              own("AuditDurationMs", [], { stat: "Maximum", label: "audit, longest run" }),
              fn("Duration", { stat: "Maximum", label: "Lambda duration, longest run" }),
            ],
            markedAt({ label: "timeout", value: input.timeoutSeconds * 1000 }),
          ),
        ),
        metricWidget(
          8,
          chart(
            region,
            `ELB and EC2 API calls per ${PERIOD / 60} minutes`,
            [
              own("ElbApiCalls", [], { stat: "Sum", label: "ELB calls (retries included)" }),
              own("Ec2ApiCalls", [], { stat: "Sum", label: "EC2 calls (retries included)" }),
            ],
            markedAt(elbRefill),
          ),
        ),
        metricWidget(
          8,
          chart(
            region,
            "Collection gaps and sink failures",
            [
              own("CollectionGaps", [], { stat: "Maximum", label: "sources not read" }),
              own("SinkFailures", [], { stat: "Maximum", label: "sinks failed" }),
            ],
            ZERO_UP,
          ),
        ),
      ],
    ],
    [
      6,
      [
        metricWidget(12, chart(region, "Invocations and errors", invocations(fn), ZERO_UP)),
        failuresLog(region, functionName),
      ],
    ],
  ];
  if (input.targetGroupMetrics) {
    rows.push([
      6,
      [
        {
          type: "metric",
          width: 24,
          properties: chart(region, "Unhealthy targets per target group", [
            expression(search("UnhealthyTargets", ["TargetGroup"], "Maximum"), "unhealthy"),
          ]),
        },
      ],
    ]);
  }
  return laidOut(rows);
}

/**
 * The fleet's dashboard: the run (clusters audited, not audited), the findings over the fleet
 * and per cluster, and the audit's own health per cluster, with the API calls summed per
 * account and region — the unit the ELB API's rate limit is counted in.
 */
export function fleetDashboardBody(input: FleetDashboardInput): { widgets: Widget[] } {
  const { namespace, region, workerFunctionName } = input;
  const fleet = (name: string, dims: string[], options: Record<string, unknown>) => [
    namespace,
    name,
    "Fleet",
    "all",
    ...dims,
    options,
  ];
  const fn = lambda(workerFunctionName);
  const perCluster = (metric: string, id: string, dims: string[] = [], where = {}) =>
    expression(searchOf(namespace, metric, [...FLEET, ...dims], "Maximum", where), id);
  const perAccountRegion = (metric: string, id: string) =>
    expression(insightsQuery(namespace, "SUM", metric, FLEET, ["Account", "Region"]), id);

  const rows: Row[] = [
    [
      6,
      [
        metricWidget(
          8,
          chart(
            region,
            "Clusters per run",
            [
              fleet("FleetClusters", [], { stat: "Maximum", label: "in the fleet" }),
              fleet("FleetClustersAudited", [], { stat: "Maximum", label: "audited" }),
              fleet("FleetClustersFailed", [], { stat: "Maximum", label: "not audited" }),
            ],
            ZERO_UP,
          ),
        ),
        metricWidget(
          8,
          chart(
            region,
            "Findings over the fleet by severity",
            SEVERITIES.map((s) =>
              fleet("FleetFindings", ["Severity", s], { stat: "Maximum", label: s }),
            ),
            { stacked: true, ...ZERO_UP },
          ),
        ),
        metricWidget(
          8,
          chart(
            region,
            "Clusters not audited (account, region, cluster)",
            [perCluster("ClusterAuditFailed", "failed")],
            ZERO_UP,
          ),
        ),
      ],
    ],
    [
      6,
      [
        metricWidget(
          12,
          chart(
            region,
            "Critical findings per cluster (account, region, cluster)",
            [perCluster("Findings", "critical", ["Severity"], { Severity: "critical" })],
            ZERO_UP,
          ),
        ),
        metricWidget(
          12,
          chart(
            region,
            "Findings by code over the fleet",
            [
              expression(
                insightsQuery(
                  namespace,
                  "SUM",
                  "Findings",
                  [...FLEET, "Code", "Severity"],
                  ["Code"],
                ),
                "codes",
              ),
            ],
            { stacked: true, ...ZERO_UP },
          ),
        ),
      ],
    ],
    [
      6,
      [
        metricWidget(
          8,
          chart(
            region,
            "Audit duration per cluster (ms)",
            [
              perCluster("AuditDurationMs", "duration"),
              fn("Duration", { stat: "Maximum", label: "worker invocation, longest" }),
            ],
            markedAt({ label: "worker timeout", value: input.workerTimeoutSeconds * 1000 }),
          ),
        ),
        metricWidget(
          8,
          chart(
            region,
            `ELB API calls per account and region, per ${PERIOD / 60} minutes`,
            [perAccountRegion("ElbApiCalls", "elb")],
            markedAt(elbRefill),
          ),
        ),
        metricWidget(
          8,
          chart(
            region,
            `EC2 API calls per account and region, per ${PERIOD / 60} minutes`,
            [perAccountRegion("Ec2ApiCalls", "ec2")],
            ZERO_UP,
          ),
        ),
      ],
    ],
    [
      6,
      [
        metricWidget(
          12,
          chart(
            region,
            "Collection gaps and sink failures per cluster",
            [perCluster("CollectionGaps", "gaps"), perCluster("SinkFailures", "sinks")],
            ZERO_UP,
          ),
        ),
        metricWidget(12, chart(region, "Worker invocations and errors", invocations(fn), ZERO_UP)),
      ],
    ],
    [6, [{ ...failuresLog(region, workerFunctionName, "account, region, cluster, "), width: 24 }]],
  ];
  if (input.targetGroupMetrics) {
    rows.push([
      6,
      [
        {
          type: "metric",
          width: 24,
          properties: chart(region, "Unhealthy targets per target group", [
            perCluster("UnhealthyTargets", "unhealthy", ["TargetGroup"]),
          ]),
        },
      ],
    ]);
  }
  return laidOut(rows);
}
