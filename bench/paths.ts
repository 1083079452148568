import path from "node:path";

export const PROJECT_DIR = path.resolve(import.meta.dirname, "..");
/**
 * The recorded traces (CC BY 4.0, Joseph Gentle; see bench/traces/README.md),
 * copied into the repository so a fresh clone benchmarks without anything beside it.
 * BENCH_TRACES_DIR points elsewhere, e.g. at ../shared/traces.
 */
export const TRACES_DIR = process.env.BENCH_TRACES_DIR
  ? path.resolve(process.env.BENCH_TRACES_DIR)
  : path.join(PROJECT_DIR, "bench", "traces");
