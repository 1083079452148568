import type { WebSocket } from "ws";
import type { Logger } from "../log";

/**
 * Ping/pong liveness for sync sockets. Hocuspocus 4 no longer pings, so a
 * client that vanished without a close (a laptop lid, a dropped network)
 * would keep its connection, its document loaded and its caret shown to
 * everyone. Every interval each socket is pinged; one that has not answered
 * the previous ping by then is terminated, and Hocuspocus removes its
 * presence for the others. WebSocket clients answer pings by themselves.
 */
export class Liveness {
  private readonly answered = new WeakMap<WebSocket, boolean>();
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    intervalMs: number,
    sockets: () => Iterable<WebSocket>,
    private readonly log: Logger,
  ) {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => this.sweep(sockets()), intervalMs);
    this.timer.unref();
  }

  watch(ws: WebSocket): void {
    this.answered.set(ws, true);
    ws.on("pong", () => this.answered.set(ws, true));
  }

  close(): void {
    clearInterval(this.timer);
  }

  private sweep(sockets: Iterable<WebSocket>): void {
    for (const ws of sockets) {
      if (this.answered.get(ws) === false) {
        this.log.info({ component: "sync-socket" }, "closed a socket that stopped answering pings");
        ws.terminate();
        continue;
      }
      this.answered.set(ws, false);
      ws.ping();
    }
  }
}
