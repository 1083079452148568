import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { Refusal } from "../../lib/protocol/refusals";
import { sendJson } from "./http-kit";
import type { Router } from "./router";

export interface HealthSource {
  /** Listening and not shutting down. */
  isReady(): boolean;
  /** Whether storage can make writes durable (see StorageHealth). */
  storage(): { writable: boolean; error?: string; sinceMs?: number };
  documentsLoaded(): number;
  connections(): number;
}

/**
 * `/healthz` (the process answers), `/readyz` (accepting work and storage can
 * write; a failing store shows here while it lasts), `/metrics`.
 */
export function addHealthRoutes(router: Router, source: HealthSource): Registry {
  // A registry per server, not prom-client's global one, so tests can run several servers.
  const registry = new Registry();
  // prom-client samples event-loop delay with a 10 ms timer by default: 100 wakeups a
  // second on an idle server. 100 ms still records every stall long enough to matter.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  new Gauge({
    name: "tandem_documents_loaded",
    help: "Documents currently loaded in memory",
    registers: [registry],
    collect() {
      this.set(source.documentsLoaded());
    },
  });
  new Gauge({
    name: "tandem_connections",
    help: "Open sync connections",
    registers: [registry],
    collect() {
      this.set(source.connections());
    },
  });

  new Gauge({
    name: "tandem_storage_writable",
    help: "1 while storage can make writes durable, 0 while it fails (writes are refused)",
    registers: [registry],
    collect() {
      this.set(source.storage().writable ? 1 : 0);
    },
  });

  router
    .add("GET", "/healthz", ({ res }) => sendJson(res, 200, { status: "ok" }))
    .add("GET", "/readyz", ({ res }) => {
      const storage = source.storage();
      if (!source.isReady()) sendJson(res, 503, { status: "not-ready" });
      else if (!storage.writable)
        sendJson(res, 503, { status: Refusal.StorageUnavailable, storage });
      else sendJson(res, 200, { status: "ready" });
    })
    .add("GET", "/metrics", async ({ res }) => {
      const body = await registry.metrics();
      res.writeHead(200, { "content-type": registry.contentType });
      res.end(body);
    });
  return registry;
}
