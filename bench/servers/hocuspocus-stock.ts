import { Server } from "@hocuspocus/server";

/**
 * Stock @hocuspocus/server, as its README starts it: no extensions, defaults
 * everywhere. BENCH_FLUSH_DELAY=false gives the tuned variant (each update
 * broadcast as it is applied instead of merged per event-loop turn).
 */
const port = Number(process.env.PORT);
const tuned = process.env.BENCH_FLUSH_DELAY === "false";
const server = new Server({
  port,
  address: "127.0.0.1",
  quiet: true,
  ...(tuned ? { flushDelay: false as const } : {}),
});
await server.listen();
