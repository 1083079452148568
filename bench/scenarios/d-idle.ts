import { startClients } from "../client-process";
import type { IdleInput, IdleResult } from "../clients/idle";
import { MetricSet } from "../results";
import { launchServer } from "../servers/launch";
import { rotation, runIndexes, type Scenario, sleep, split } from "./context";

/** (d) Many documents, each with idle editors: memory and connect time. */
export const idleScenario: Scenario = {
  id: "d",
  title: "Idle documents: N documents x 2 idle clients",
  async run({ profile, servers, log }) {
    const { docs, clientsPerDoc, processes, settleMs } = profile.idle;
    const metrics = new MetricSet();
    metrics.define(
      "d.growth",
      `RSS growth, ${docs} docs x ${clientsPerDoc} clients`,
      "MB",
      "lower",
    );
    metrics.define("d.rss", "RSS with every client connected", "MB", "lower");
    metrics.define("d.heap", "JS heap growth", "MB", "lower");
    metrics.define("d.connect", "time until every client synced", "s", "lower");
    for (const run of runIndexes(profile)) {
      // Fresh servers each run: growth is measured from an idle, just-started process.
      for (const kind of rotation(servers, run)) {
        const server = await launchServer(kind);
        try {
          await sleep(settleMs);
          const before = await server.probe();
          const names: string[] = [];
          for (let doc = 0; doc < docs; doc++) {
            for (let client = 0; client < clientsPerDoc; client++) names.push(`idle-${doc}`);
          }
          const inputs: IdleInput[] = split(names, processes).map((docNames) => ({
            target: server.target,
            docNames,
          }));
          const group = startClients<IdleInput, IdleResult>("idle.ts", inputs);
          try {
            await group.ready;
            const goAt = group.go();
            const results = await group.results;
            const connect = (Math.max(...results.map((result) => result.syncedAt)) - goAt) / 1e6;
            await sleep(settleMs);
            const after = await server.probe();
            const growth = (after.rssBytes - before.rssBytes) / 2 ** 20;
            const heap = (after.heapUsedBytes - before.heapUsedBytes) / 2 ** 20;
            const external = (after.externalBytes - before.externalBytes) / 2 ** 20;
            const heapTotal = (after.heapTotalBytes - before.heapTotalBytes) / 2 ** 20;
            log(
              `  d ${kind} run ${run}: ${(before.rssBytes / 2 ** 20).toFixed(0)} -> ${(after.rssBytes / 2 ** 20).toFixed(0)} MB (heap used +${heap.toFixed(1)}, reserved +${heapTotal.toFixed(1)}, external +${external.toFixed(1)}), connected in ${connect.toFixed(2)} s`,
            );
            if (process.env.BENCH_HEAP_SNAPSHOT)
              log(`  heap snapshot: ${await server.heapSnapshot()}`);
            if (run < 0) continue;
            metrics.add("d.growth", kind, growth);
            metrics.add("d.rss", kind, after.rssBytes / 2 ** 20);
            metrics.add("d.heap", kind, heap);
            metrics.add("d.connect", kind, connect);
          } finally {
            await group.stop();
          }
        } finally {
          await server.dispose();
        }
      }
    }
    return metrics.result(this.id, this.title, [
      `A fresh server per run; RSS read ${settleMs / 1000} s after the last client synced; clients keep presence on, as open editors do.`,
    ]);
  },
};
