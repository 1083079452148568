import { Counter, Gauge, type Registry } from "prom-client";

export interface HttpSyncMetrics {
  requests: Counter<"endpoint" | "status">;
  updateBytes: Counter;
  polls: Gauge;
}

/** The HTTP sync's metrics on the server's registry; labels come from fixed sets. */
export function createHttpSyncMetrics(registry: Registry, streams: () => number): HttpSyncMetrics {
  new Gauge({
    name: "tandem_http_sync_streams",
    help: "Open HTTP sync event streams",
    registers: [registry],
    collect() {
      this.set(streams());
    },
  });
  return {
    requests: new Counter({
      name: "tandem_http_sync_requests_total",
      help: "HTTP sync requests by endpoint and status",
      labelNames: ["endpoint", "status"] as const,
      registers: [registry],
    }),
    updateBytes: new Counter({
      name: "tandem_http_sync_update_bytes_total",
      help: "Bytes of document updates received over HTTP sync",
      registers: [registry],
    }),
    polls: new Gauge({
      name: "tandem_http_sync_polls_waiting",
      help: "Long-polls waiting for a change",
      registers: [registry],
    }),
  };
}
