import { getHeapSpaceStatistics, writeHeapSnapshot } from "node:v8";

/**
 * Preloaded into every benchmarked server (`--import`), so the harness reads
 * the server's own CPU time and memory over IPC with microsecond resolution
 * instead of /proc's 10 ms clock ticks. Costs nothing until asked.
 * "heap-snapshot" writes a V8 heap snapshot (BENCH_HEAP_SNAPSHOT=<dir> runs).
 */
process.on("message", (message: unknown) => {
  if (message === "heap-snapshot") {
    const dir = process.env.BENCH_HEAP_SNAPSHOT ?? ".";
    process.send?.({
      snapshot: writeHeapSnapshot(`${dir}/${process.pid}-${Date.now()}.heapsnapshot`),
    });
    return;
  }
  if (message === "heap-spaces") {
    process.send?.({
      spaces: getHeapSpaceStatistics().map((space) => ({
        name: space.space_name,
        size: space.space_size,
        used: space.space_used_size,
      })),
    });
    return;
  }
  if (message !== "probe") return;
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  process.send?.({
    cpuMicros: cpu.user + cpu.system,
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    heapTotalBytes: memory.heapTotal,
    externalBytes: memory.external,
  });
});
// The channel must not keep a server alive that was asked to stop, and a harness that
// died must not leave servers behind: losing it stops the server as SIGTERM would.
process.channel?.unref();
process.on("disconnect", () => process.kill(process.pid, "SIGTERM"));
