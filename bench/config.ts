/** How big each scenario is. "full" makes the published figures; "smoke" only proves the suite runs. */
export interface Profile {
  name: "full" | "quick" | "smoke";
  /** Measured runs per figure; figures are their median. */
  runs: number;
  /** One smaller, discarded run first (JIT, caches, LevelDB files), as every figure deserves. */
  warmup: boolean;
  author: { txns: number; warmupTxns: number };
  concurrent: { txns: number; warmupTxns: number };
  /** warmup: updates each run sends before the `count` it measures. */
  fanout: { sizes: number[]; ratePerSecond: number; count: number; warmup: number };
  /** settleMs: quiet time before the baseline reading and after the last client synced. */
  idle: { docs: number; clientsPerDoc: number; processes: number; settleMs: number };
  coldLoad: { chars: number; chunk: number };
  writers: { writers: number; updatesEach: number; processes: number };
}

export const PROFILES: Record<Profile["name"], Profile> = {
  full: {
    name: "full",
    runs: 3,
    warmup: true,
    // Whole traces: seph-blog1 has 137,154 transactions, friendsforever 26,078.
    author: { txns: 137_154, warmupTxns: 5_000 },
    concurrent: { txns: 26_078, warmupTxns: 2_000 },
    fanout: { sizes: [2, 50, 200], ratePerSecond: 100, count: 300, warmup: 300 },
    idle: { docs: 1_000, clientsPerDoc: 2, processes: 4, settleMs: 3_000 },
    coldLoad: { chars: 1_048_576, chunk: 1_024 },
    writers: { writers: 50, updatesEach: 400, processes: 2 },
  },
  quick: {
    name: "quick",
    runs: 1,
    warmup: true,
    author: { txns: 20_000, warmupTxns: 2_000 },
    concurrent: { txns: 5_000, warmupTxns: 1_000 },
    fanout: { sizes: [2, 50, 200], ratePerSecond: 100, count: 200, warmup: 300 },
    idle: { docs: 200, clientsPerDoc: 2, processes: 2, settleMs: 3_000 },
    coldLoad: { chars: 262_144, chunk: 1_024 },
    writers: { writers: 50, updatesEach: 100, processes: 2 },
  },
  smoke: {
    name: "smoke",
    runs: 1,
    // Proves the suite runs, not how fast: no warm-up, fewest processes.
    warmup: false,
    author: { txns: 500, warmupTxns: 50 },
    concurrent: { txns: 300, warmupTxns: 50 },
    fanout: { sizes: [3], ratePerSecond: 200, count: 20, warmup: 2 },
    idle: { docs: 5, clientsPerDoc: 2, processes: 1, settleMs: 100 },
    coldLoad: { chars: 8_192, chunk: 1_024 },
    writers: { writers: 4, updatesEach: 20, processes: 1 },
  },
};
