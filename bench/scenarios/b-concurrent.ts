import { runClients } from "../client-process";
import type { AgentInput, AgentResult } from "../clients/agent";
import { MetricSet } from "../results";
import { type ConcurrentTrace, loadTrace } from "../trace";
import { rotation, runIndexes, type Scenario, serverCpu, withServers } from "./context";

/** (b) friendsforever with one client per agent, each edit waiting for its causal parents. */
export const concurrentScenario: Scenario = {
  id: "b",
  title: "Concurrent trace friendsforever (26,078 transactions, 2 agents), one client per agent",
  async run({ profile, servers, log }) {
    const metrics = new MetricSet();
    metrics.define("b.converge", "time to converge", "s", "lower");
    metrics.define("b.cpu", "server CPU per transaction", "µs", "lower");
    const agents = loadTrace<ConcurrentTrace>("friendsforever.json.gz").numAgents;
    await withServers(servers, async (running) => {
      for (const run of runIndexes(profile)) {
        const txns = run < 0 ? profile.concurrent.warmupTxns : profile.concurrent.txns;
        for (const kind of rotation(servers, run)) {
          const server = running.get(kind)!;
          const inputs: AgentInput[] = Array.from({ length: agents }, (_, agent) => ({
            target: server.target,
            docName: `concurrent-${run + 1}`,
            agent,
            txns,
          }));
          const { value, cpuMicros } = await serverCpu(server, () =>
            runClients<AgentInput, AgentResult>("agent.ts", inputs),
          );
          const sent = value.results.reduce((sum, result) => sum + result.sent, 0);
          const finishedAt = Math.max(...value.results.map((result) => result.finishedAt));
          const seconds = (finishedAt - value.goAt) / 1e6;
          if (!value.results.every((result) => result.textOk)) {
            metrics.fail(`${kind}: a replica did not end with the trace's text (run ${run})`);
          }
          log(`  b ${kind} run ${run}: ${sent} transactions converged in ${seconds.toFixed(2)} s`);
          if (run < 0) continue;
          metrics.add("b.converge", kind, seconds);
          metrics.add("b.cpu", kind, cpuMicros / sent);
        }
      }
    });
    return metrics.result(this.id, this.title, [
      "Converged = every agent holds every transaction, its text equals the trace's endContent exactly, and (Hocuspocus protocol) its own edits are acknowledged.",
    ]);
  },
};
