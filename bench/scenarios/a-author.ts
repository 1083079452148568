import { runClients } from "../client-process";
import type { AuthorInput, AuthorResult } from "../clients/author";
import { MetricSet } from "../results";
import { rotation, runIndexes, type Scenario, serverCpu, withServers } from "./context";

/** (a) One author replays seph-blog1 as fast as possible. */
export const authorScenario: Scenario = {
  id: "a",
  title: "One author replays seph-blog1 (137,154 transactions) as fast as possible",
  async run({ profile, servers, log }) {
    const metrics = new MetricSet();
    metrics.define("a.rate", "updates/s until the last acknowledgement", "updates/s", "higher");
    metrics.define("a.cpu", "server CPU per update", "µs", "lower");
    metrics.define("a.seconds", "time until the last acknowledgement", "s", "lower");
    await withServers(servers, async (running) => {
      for (const run of runIndexes(profile)) {
        const txns = run < 0 ? profile.author.warmupTxns : profile.author.txns;
        for (const kind of rotation(servers, run)) {
          const server = running.get(kind)!;
          const { value, cpuMicros } = await serverCpu(server, () =>
            runClients<AuthorInput, AuthorResult>("author.ts", [
              { target: server.target, docName: `author-${run + 1}`, txns },
            ]),
          );
          const result = value.results[0]!;
          if (!result.textOk)
            metrics.fail(`${kind}: final text differs from the trace (run ${run})`);
          const seconds = (result.doneAt - result.startedAt) / 1e6;
          log(`  a ${kind} run ${run}: ${result.updates} updates in ${seconds.toFixed(2)} s`);
          if (run < 0) continue;
          metrics.add("a.rate", kind, result.updates / seconds);
          metrics.add("a.cpu", kind, cpuMicros / result.updates);
          metrics.add("a.seconds", kind, seconds);
        }
      }
    });
    return metrics.result(this.id, this.title, [
      "y-websocket has no acknowledgements: its time ends when a client connecting after the last edit reads the whole final text.",
      "Every server's copy is checked afterwards against the trace's endContent by a fresh client.",
    ]);
  },
};
