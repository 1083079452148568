export interface DocReport {
  document: string;
  clients: number;
  ops: number;
  converged: boolean;
  convergeMs: number | null;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  bytesSent: number;
  bytesReceived: number;
  problems: string[];
}

export interface ConvergeReport {
  ok: boolean;
  seed: number;
  server: string;
  clients: number;
  protocols: string[];
  faultMode: string;
  seconds: number;
  ops: number;
  faults: Record<string, number>;
  acknowledgedChecked: number;
  lostAcknowledged: number;
  documents: DocReport[];
  firstProblem: string | null;
}

export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? null;
}

const ms = (value: number | null) => (value === null ? "-" : `${Math.round(value)} ms`);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;

/** The human summary: one row per document, then the verdict. */
export function formatReport(report: ConvergeReport): string {
  const header = [
    "document",
    "clients",
    "ops",
    "converge",
    "p50",
    "p99",
    "sent",
    "received",
    "result",
  ];
  const rows = report.documents.map((doc) => [
    doc.document,
    String(doc.clients),
    String(doc.ops),
    ms(doc.convergeMs),
    ms(doc.latencyP50Ms),
    ms(doc.latencyP99Ms),
    kb(doc.bytesSent),
    kb(doc.bytesReceived),
    doc.problems.length === 0 ? "converged" : "FAILED",
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)),
  );
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ");
  const faults = Object.entries(report.faults)
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${name} ${count}`)
    .join(", ");
  return [
    line(header),
    line(widths.map((width) => "-".repeat(width))),
    ...rows.map(line),
    "",
    `server ${report.server}; ${report.clients} clients (${report.protocols.join(", ")}); ${report.seconds} s; faults ${report.faultMode}: ${faults || "none injected"}`,
    `${report.ops} operations; ${report.acknowledgedChecked} acknowledged-state checks, ${report.lostAcknowledged} lost`,
    report.ok
      ? `OK: every replica converged and nothing acknowledged was lost (seed ${report.seed})`
      : `FAILED (seed ${report.seed}): ${report.firstProblem ?? "see problems above"}`,
  ].join("\n");
}
