import type { BenchReport, Metric, ScenarioResult } from "./results";
import { SERVER_LABELS, type ServerKind } from "./servers/launch";
import { median } from "./stats";

const ANCHORS: readonly ServerKind[] = ["hocuspocus", "hocuspocus-tuned", "y-websocket"];
const SHORT: Record<ServerKind, string> = {
  tandem: "Tandem",
  hocuspocus: "HP default",
  "hocuspocus-tuned": "HP tuned",
  "y-websocket": "y-ws",
};

export function medianOf(metric: Metric, kind: ServerKind): number | null {
  const runs = metric.runs[kind];
  return runs && runs.length > 0 ? median(runs) : null;
}

export function format(value: number | null): string {
  if (value === null || Number.isNaN(value)) return "n/a";
  const size = Math.abs(value);
  if (size >= 1000) return Math.round(value).toLocaleString("en");
  if (size >= 100) return value.toFixed(0);
  if (size >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Tandem ÷ anchor, as "12.3x"; how to read it depends on the metric's direction. */
function ratio(metric: Metric, anchor: ServerKind): string {
  const tandem = medianOf(metric, "tandem");
  const other = medianOf(metric, anchor);
  if (tandem === null || other === null || other === 0) return "";
  const value = tandem / other;
  return `${value >= 10 ? value.toFixed(0) : value.toFixed(2)}x`;
}

function rows(report: BenchReport, scenario: ScenarioResult): string[][] {
  const anchors = ANCHORS.filter((kind) => report.servers.includes(kind));
  const servers = report.servers;
  const header = [
    "metric",
    ...servers.map((kind) => SHORT[kind]),
    ...(servers.includes("tandem") ? anchors.map((kind) => `T/${SHORT[kind]}`) : []),
  ];
  const body = scenario.metrics.map((metric) => [
    `${metric.label} (${metric.unit}, ${metric.better} is better)`,
    ...servers.map((kind) => format(medianOf(metric, kind))),
    ...(servers.includes("tandem") ? anchors.map((kind) => ratio(metric, kind)) : []),
  ]);
  return [header, ...body];
}

function textTable(table: string[][]): string {
  const widths = table[0]!.map((_, column) =>
    Math.max(...table.map((row) => (row[column] ?? "").length)),
  );
  return table
    .map((row) =>
      row
        .map((cell, column) =>
          column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
        )
        .join("  "),
    )
    .join("\n");
}

function markdownTable(table: string[][]): string {
  const [header, ...body] = table;
  const line = (row: string[]) => `| ${row.join(" | ")} |`;
  return [
    line(header!),
    `|${header!.map((_, column) => (column === 0 ? "---" : "---:")).join("|")}|`,
    ...body.map(line),
  ].join("\n");
}

export interface TargetCheck {
  target: string;
  met: boolean | null;
  detail: string;
}

function find(report: BenchReport, id: string): Metric | undefined {
  for (const scenario of report.scenarios) {
    const metric = scenario.metrics.find((candidate) => candidate.id === id);
    if (metric) return metric;
  }
  return undefined;
}

/** The targets, each judged from this run's medians. */
export function checkTargets(report: BenchReport): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const value = (id: string, kind: ServerKind) => {
    const metric = find(report, id);
    return metric ? medianOf(metric, kind) : null;
  };
  type Bound = "atLeast" | "atMost";
  // Each part: [what, tandem, anchor, bound, limit]: met when tandem / anchor is within the limit.
  type Part = [string, number | null, number | null, Bound, number];
  const judge = (target: string, parts: Part[]) => {
    const details: string[] = [];
    let met: boolean | null = true;
    for (const [what, tandem, anchor, bound, limit] of parts) {
      if (tandem === null || anchor === null) {
        met = null;
        details.push(`${what}: not measured`);
        continue;
      }
      const ratioValue = tandem / anchor;
      const ok = bound === "atLeast" ? ratioValue >= limit : ratioValue <= limit;
      if (!ok) met = met === null ? null : false;
      details.push(
        `${what}: ${format(tandem)} vs ${format(anchor)} = ${ratioValue.toFixed(2)}x (needs ${bound === "atLeast" ? ">=" : "<="} ${limit}x)`,
      );
    }
    checks.push({ target, met, detail: details.join("; ") });
  };
  const part = (
    what: string,
    id: string,
    anchor: ServerKind,
    bound: Bound,
    limit: number,
  ): Part => [what, value(id, "tandem"), value(id, anchor), bound, limit];
  judge("(a) durable Tandem at least as fast as tuned Hocuspocus, and >= 10x defaults", [
    part("vs tuned", "a.rate", "hocuspocus-tuned", "atLeast", 1),
    part("vs defaults", "a.rate", "hocuspocus", "atLeast", 10),
  ]);
  const fanout = report.scenarios.find((scenario) => scenario.id === "c");
  const sizes = (fanout?.metrics ?? [])
    .filter((metric) => metric.id.startsWith("c.cpu."))
    .map((metric) => Number(metric.id.slice("c.cpu.".length)));
  if (sizes.length > 0) {
    const largest = Math.max(...sizes);
    const vsBothAnchors = (id: string, limit: number): Part[] => [
      part("vs Hocuspocus", id, "hocuspocus", "atMost", limit),
      part("vs y-websocket", id, "y-websocket", "atMost", limit),
    ];
    judge(
      `(c) CPU per delivery at ${largest} clients <= 0.5x both anchors'`,
      vsBothAnchors(`c.cpu.${largest}`, 0.5),
    );
    judge(
      `(c) p99 latency at ${largest} clients no worse than both anchors'`,
      vsBothAnchors(`c.p99.${largest}`, 1),
    );
  }
  judge("(d) RSS growth <= 0.6x stock Hocuspocus's", [
    part("growth", "d.growth", "hocuspocus", "atMost", 0.6),
  ]);
  const cold = value("e.http.cold", "tandem");
  checks.push({
    target: "(e) first content over HTTP under 100 ms (cold)",
    met: cold === null ? null : cold < 100,
    detail: cold === null ? "not measured" : `${format(cold)} ms`,
  });
  return checks.filter(
    (check) => !check.detail.split("; ").every((part) => part.endsWith("not measured")),
  );
}

function loadNote(scenario: ScenarioResult): string {
  return scenario.load
    ? `  [load ${scenario.load.before.toFixed(2)} -> ${scenario.load.after.toFixed(2)}]`
    : "";
}

function describeMachine(report: BenchReport): string {
  const { machine } = report;
  return `${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ${machine.platform}; profile ${report.profile}, median of ${report.runs} measured run(s) after a warm-up run; started ${report.startedAt}`;
}

export function renderText(report: BenchReport): string {
  const out: string[] = [describeMachine(report), ""];
  out.push(
    "Servers: " +
      report.servers.map((kind) => `${SHORT[kind]} = ${SERVER_LABELS[kind]}`).join("; "),
  );
  out.push(
    "T/x = Tandem's median divided by x's (for 'lower is better', below 1 means Tandem is better).",
    "",
  );
  for (const scenario of report.scenarios) {
    out.push(
      `(${scenario.id}) ${scenario.title}${loadNote(scenario)}`,
      textTable(rows(report, scenario)),
    );
    for (const note of scenario.notes) out.push(`  - ${note}`);
    for (const failure of scenario.failures) out.push(`  FAILED: ${failure}`);
    out.push("");
  }
  out.push("Targets:");
  for (const check of checkTargets(report)) {
    out.push(
      `  ${check.met === null ? "n/a " : check.met ? "MET " : "MISS"} ${check.target}: ${check.detail}`,
    );
  }
  return out.join("\n");
}

export function renderMarkdown(report: BenchReport): string {
  const out: string[] = [`Machine and run: ${describeMachine(report)}.`, ""];
  out.push(
    "Servers: " +
      report.servers.map((kind) => `**${SHORT[kind]}** = ${SERVER_LABELS[kind]}`).join("; ") +
      ".",
    "`T/x` is Tandem's median divided by x's.",
    "",
  );
  for (const scenario of report.scenarios) {
    out.push(
      `### (${scenario.id}) ${scenario.title}`,
      "",
      markdownTable(rows(report, scenario)),
      "",
    );
    for (const note of scenario.notes) out.push(`- ${note}`);
    for (const failure of scenario.failures) out.push(`- **FAILED**: ${failure}`);
    out.push("");
  }
  out.push("### Targets", "");
  for (const check of checkTargets(report)) {
    out.push(
      `- ${check.met === null ? "n/a" : check.met ? "**met**" : "**missed**"} ${check.target}: ${check.detail}`,
    );
  }
  return out.join("\n");
}
