/**
 * Preloaded into every benchmarked server (`--import`), so the harness reads
 * the server's own CPU time and RSS over IPC with microsecond resolution
 * instead of /proc's 10 ms clock ticks. Costs nothing until asked.
 */
process.on("message", (message: unknown) => {
  if (message !== "probe") return;
  const cpu = process.cpuUsage();
  process.send?.({ cpuMicros: cpu.user + cpu.system, rssBytes: process.memoryUsage.rss() });
});
// The channel must not keep a server alive that was asked to stop.
process.channel?.unref();
