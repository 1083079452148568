import type { ServerKind } from "./servers/launch";

/** One figure of a scenario, measured on every server that can do it. */
export interface Metric {
  id: string;
  label: string;
  unit: string;
  better: "higher" | "lower";
  /** Each measured run's value, per server; a server left out cannot do this (no storage, no acks). */
  runs: Partial<Record<ServerKind, number[]>>;
}

export interface ScenarioResult {
  id: string;
  title: string;
  metrics: Metric[];
  /** Correctness failures (a wrong final text, a lost update); empty when all is well. */
  failures: string[];
  notes: string[];
  /** 1-minute load average before and after: other work on the machine shows here. */
  load?: { before: number; after: number };
}

export interface BenchReport {
  profile: string;
  runs: number;
  startedAt: string;
  machine: { cpus: number; cpuModel: string; node: string; platform: string };
  servers: ServerKind[];
  scenarios: ScenarioResult[];
}

/** Collects per-run values while a scenario runs. */
export class MetricSet {
  private readonly metrics = new Map<string, Metric>();
  readonly failures: string[] = [];

  define(id: string, label: string, unit: string, better: Metric["better"]): void {
    if (!this.metrics.has(id)) this.metrics.set(id, { id, label, unit, better, runs: {} });
  }

  add(id: string, server: ServerKind, value: number): void {
    const metric = this.metrics.get(id);
    if (!metric) throw new Error(`undefined metric ${id}`);
    const runs = metric.runs[server] ?? [];
    runs.push(value);
    metric.runs[server] = runs;
  }

  fail(message: string): void {
    this.failures.push(message);
  }

  result(id: string, title: string, notes: string[] = []): ScenarioResult {
    return { id, title, metrics: [...this.metrics.values()], failures: this.failures, notes };
  }
}
