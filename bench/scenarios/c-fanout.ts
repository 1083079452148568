import { createServer, type Server } from "node:net";
import { runClients, startClients } from "../client-process";
import type { FanoutInput, FanoutResult } from "../clients/fanout";
import type { WriteFloorInput, WriteFloorResult } from "../clients/write-floor";
import { MetricSet } from "../results";
import { median, quantile } from "../stats";
import { rotation, runIndexes, type Scenario, serverCpu, withServers } from "./context";

/** Receivers per client process: enough processes that receiving is never the bottleneck. */
const RECEIVERS_PER_PROCESS = 50;

/** (c) One writer at a fixed rate, N receivers on the same document. */
export const fanoutScenario: Scenario = {
  id: "c",
  title: "Fan-out: one writer at a fixed rate, N receivers on one document",
  async run({ profile, servers, log }) {
    const { sizes, ratePerSecond, count, warmup } = profile.fanout;
    const metrics = new MetricSet();
    for (const size of sizes) {
      metrics.define(`c.p50.${size}`, `p50 latency, ${size} clients`, "ms", "lower");
      metrics.define(`c.p99.${size}`, `p99 latency, ${size} clients`, "ms", "lower");
      metrics.define(
        `c.cpu.${size}`,
        `server CPU per delivered update, ${size} clients`,
        "µs",
        "lower",
      );
    }
    await withServers(servers, async (running) => {
      for (const size of sizes) {
        for (const run of runIndexes(profile)) {
          // A measured run sends `warmup` updates before the `count` it measures: every run
          // starts fresh receiver processes, and a fresh process's own warm-up (JIT tiers,
          // heap growth) stalls it once, about 2 s in, whichever server it talks to.
          // The discarded run only warms the server.
          const updates = run < 0 ? Math.max(Math.min(warmup, 100), 10) : warmup + count;
          for (const kind of rotation(servers, run)) {
            const server = running.get(kind)!;
            const docName = `fanout-${size}-${run + 1}`;
            const receiverInputs: FanoutInput[] = [];
            for (let left = size; left > 0; left -= RECEIVERS_PER_PROCESS) {
              receiverInputs.push({
                role: "receivers",
                target: server.target,
                docName,
                clients: Math.min(left, RECEIVERS_PER_PROCESS),
                count: updates,
              });
            }
            const receivers = startClients<FanoutInput, FanoutResult>("fanout.ts", receiverInputs);
            const writer = startClients<FanoutInput, FanoutResult>("fanout.ts", [
              { role: "writer", target: server.target, docName, count: updates, ratePerSecond },
            ]);
            try {
              await Promise.all([receivers.ready, writer.ready]);
              const { value, cpuMicros } = await serverCpu(server, async () => {
                receivers.go();
                writer.go();
                return Promise.all([writer.results, receivers.results]);
              });
              const [[sent], received] = value;
              if (sent?.role !== "writer") throw new Error("fan-out writer returned no send times");
              const latencies: number[] = [];
              for (const result of received) {
                if (result.role !== "receivers") continue;
                for (const arrivals of result.arrivals) {
                  arrivals.forEach((arrivedAt, index) => {
                    if (index < (run < 0 ? 0 : warmup)) return;
                    latencies.push((arrivedAt - sent.sentAt[index]!) / 1000);
                  });
                }
              }
              const deliveries = updates * size;
              if (latencies.some((latency) => !(latency >= 0))) {
                metrics.fail(`${kind}: an update never reached a receiver (${size} clients)`);
              }
              const p50 = quantile(latencies, 0.5);
              const p99 = quantile(latencies, 0.99);
              const cpu = cpuMicros / deliveries;
              log(
                `  c ${kind} ${size} clients run ${run}: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, ${cpu.toFixed(2)} µs/delivery`,
              );
              if (run < 0) continue;
              metrics.add(`c.p50.${size}`, kind, p50);
              metrics.add(`c.p99.${size}`, kind, p99);
              metrics.add(`c.cpu.${size}`, kind, cpu);
            } finally {
              await Promise.all([receivers.stop(), writer.stop()]);
            }
          }
        }
      }
    });
    const floor = await writeFloor(Math.max(...sizes), profile.runs, ratePerSecond, count);
    return metrics.result(this.id, this.title, [
      `Calibration: one 40-byte write to each of ${Math.max(...sizes)} loopback sockets, with no server logic at all, costs ${floor.total.toFixed(2)} µs of CPU per write on this machine, ${floor.kernel.toFixed(2)} µs of it in the kernel (medians of ${profile.runs}). A server writing once per delivery cannot go below that.`,
      `${ratePerSecond} one-character updates/s; each run sends ${warmup} first to warm its fresh client processes, then the ${count} whose latencies are measured.`,
      "Latency: writer hands the edit to its provider -> receiver's Y.Text changed (one monotonic clock across processes).",
      "Server CPU per delivered update = server CPU during the run / (updates x receivers); presence is off.",
    ]);
  },
};

/** The CPU cost of one bare loopback write (bench/clients/write-floor.ts), median of `runs`. */
async function writeFloor(
  sockets: number,
  runs: number,
  ratePerSecond: number,
  rounds: number,
): Promise<{ total: number; kernel: number }> {
  const sink: Server = createServer((socket) => socket.resume());
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
  const address = sink.address();
  const port = typeof address === "object" && address ? address.port : 0;
  try {
    const totals: number[] = [];
    const kernels: number[] = [];
    for (let run = 0; run < runs; run++) {
      const { results } = await runClients<WriteFloorInput, WriteFloorResult>("write-floor.ts", [
        { port, sockets, rounds, ratePerSecond },
      ]);
      totals.push(results[0]!.microsPerWrite);
      kernels.push(results[0]!.kernelMicrosPerWrite);
    }
    return { total: median(totals), kernel: median(kernels) };
  } finally {
    await new Promise((resolve) => sink.close(resolve));
  }
}
