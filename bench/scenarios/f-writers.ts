import { runClients } from "../client-process";
import type { WritersInput, WritersResult } from "../clients/writers";
import { MetricSet } from "../results";
import { rotation, runIndexes, type Scenario, serverCpu, split, withServers } from "./context";

/** (f) Many writers at once: acknowledged updates per second. */
export const writersScenario: Scenario = {
  id: "f",
  title: "Concurrent writers, each on its own document, as fast as they can",
  async run({ profile, servers, log }) {
    const { writers, updatesEach, processes } = profile.writers;
    // Without acknowledgements there is nothing to count.
    const kinds = servers.filter((kind) => kind !== "y-websocket");
    const metrics = new MetricSet();
    metrics.define("f.rate", `acknowledged updates/s, ${writers} writers`, "updates/s", "higher");
    metrics.define("f.cpu", "server CPU per update", "µs", "lower");
    await withServers(kinds, async (running) => {
      for (const run of runIndexes(profile)) {
        const each = run < 0 ? Math.max(1, Math.floor(updatesEach / 4)) : updatesEach;
        for (const kind of rotation(kinds, run)) {
          const server = running.get(kind)!;
          const names = Array.from(
            { length: writers },
            (_, writer) => `writer-${run + 1}-${writer}`,
          );
          const inputs: WritersInput[] = split(names, processes).map((docNames) => ({
            target: server.target,
            docNames,
            updatesEach: each,
          }));
          const { value, cpuMicros } = await serverCpu(server, () =>
            runClients<WritersInput, WritersResult>("writers.ts", inputs),
          );
          const updates = value.results.reduce((sum, result) => sum + result.updates, 0);
          const seconds =
            (Math.max(...value.results.map((result) => result.acknowledgedAt)) - value.goAt) / 1e6;
          log(`  f ${kind} run ${run}: ${updates} updates acknowledged in ${seconds.toFixed(2)} s`);
          if (run < 0) continue;
          metrics.add("f.rate", kind, updates / seconds);
          metrics.add("f.cpu", kind, cpuMicros / updates);
        }
      }
    });
    return metrics.result(this.id, this.title, [
      "Tandem acknowledges an update only once it is in LevelDB's log with fsync (SYNC_WRITES=true); stock Hocuspocus acknowledges from memory and stores nothing, so its figures are an upper bound, not a like-for-like durable rate.",
      "y-websocket has no acknowledgements and is left out.",
    ]);
  },
};
