/**
 * The CloudWatch dashboard of one deployment: what the audit finds (findings by severity and by
 * code over time) and how the audit itself is doing (duration against the timeout, ELB and EC2
 * API calls against the account's budget, gaps, sink failures, errors, recent failures in the
 * log). Metric names and dimensions are those of lib/report/metrics.ts.
 */

export interface DashboardInput {
  namespace: string;
  cluster: string;
  region: string;
  functionName: string;
  timeoutSeconds: number;
  /** Per-target-group metrics are on (TARGET_GROUP_METRICS): show unhealthy targets per group. */
  targetGroupMetrics: boolean;
}

/** Five-minute points: one scheduled run each at the default rate. */
const PERIOD = 300;
/** The account-wide ELB Describe* refill, 10 calls a second, shared with the controller. */
const ELB_REFILL_PER_PERIOD = 10 * PERIOD;

type Metric = (string | Record<string, unknown>)[];
interface Widget {
  type: "metric" | "text" | "log";
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

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
  const lambda = (name: string, options: Record<string, unknown>) => [
    "AWS/Lambda",
    name,
    "FunctionName",
    functionName,
    options,
  ];
  const chart = (
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
  const search = (metric: string, dims: string[], stat: string) =>
    // A namespace such as Platform/AlbAudit must be quoted in the schema; '' as the label keeps
    // each series' own label (its dimension values).
    `SEARCH('{"${namespace}",Cluster,${dims.join(",")}} MetricName="${metric}" Cluster="${cluster}"', '${stat}', ${PERIOD})`;

  const rows: [number, Omit<Widget, "x" | "y" | "height">[]][] = [
    [
      6,
      [
        {
          type: "metric",
          width: 12,
          properties: chart(
            "Findings by severity",
            ["critical", "warning", "info"].map((s) =>
              own("Findings", ["Severity", s], { stat: "Maximum", label: s }),
            ),
            { stacked: true, yAxis: { left: { min: 0 } } },
          ),
        },
        {
          type: "metric",
          width: 12,
          properties: chart(
            "Findings by code",
            [
              [
                {
                  expression: search("Findings", ["Code", "Severity"], "Maximum"),
                  id: "codes",
                  label: "",
                },
              ],
            ],
            { stacked: true, yAxis: { left: { min: 0 } } },
          ),
        },
      ],
    ],
    [
      6,
      [
        {
          type: "metric",
          width: 8,
          properties: chart(
            "Audit duration (ms)",
            [
              own("AuditDurationMs", [], { stat: "Maximum", label: "audit, longest run" }),
              lambda("Duration", { stat: "Maximum", label: "Lambda duration, longest run" }),
            ],
            {
              yAxis: { left: { min: 0 } },
              annotations: {
                horizontal: [{ label: "timeout", value: input.timeoutSeconds * 1000 }],
              },
            },
          ),
        },
        {
          type: "metric",
          width: 8,
          properties: chart(
            `ELB and EC2 API calls per ${PERIOD / 60} minutes`,
            [
              own("ElbApiCalls", [], { stat: "Sum", label: "ELB calls (retries included)" }),
              own("Ec2ApiCalls", [], { stat: "Sum", label: "EC2 calls (retries included)" }),
            ],
            {
              yAxis: { left: { min: 0 } },
              annotations: {
                horizontal: [
                  {
                    label: "account's ELB refill (10/s, shared with the controller)",
                    value: ELB_REFILL_PER_PERIOD,
                  },
                ],
              },
            },
          ),
        },
        {
          type: "metric",
          width: 8,
          properties: chart(
            "Collection gaps and sink failures",
            [
              own("CollectionGaps", [], { stat: "Maximum", label: "sources not read" }),
              own("SinkFailures", [], { stat: "Maximum", label: "sinks failed" }),
            ],
            { yAxis: { left: { min: 0 } } },
          ),
        },
      ],
    ],
    [
      6,
      [
        {
          type: "metric",
          width: 12,
          properties: chart(
            "Invocations and errors",
            [
              lambda("Invocations", { stat: "Sum" }),
              lambda("Errors", { stat: "Sum" }),
              lambda("Throttles", { stat: "Sum" }),
            ],
            { yAxis: { left: { min: 0 } } },
          ),
        },
        {
          type: "log",
          width: 12,
          properties: {
            title: "Recent failures (errors and failed sinks)",
            region,
            view: "table",
            query: [
              `SOURCE '/aws/lambda/${functionName}'`,
              "fields @timestamp, message, error.name, error.message, sink, reason",
              'filter level = "ERROR" or message = "sink failed"',
              "sort @timestamp desc",
              "limit 20",
            ].join(" | "),
          },
        },
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
          properties: chart("Unhealthy targets per target group", [
            [
              {
                expression: search("UnhealthyTargets", ["TargetGroup"], "Maximum"),
                id: "unhealthy",
                label: "",
              },
            ],
          ]),
        },
      ],
    ]);
  }

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
