import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { sendJson } from "./http-kit";
import type { Router } from "./router";

export interface HealthSource {
  isReady(): boolean;
  documentsLoaded(): number;
  connections(): number;
}

/** `/healthz` (the process answers), `/readyz` (storage open, not shutting down), `/metrics`. */
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

  router
    .add("GET", "/healthz", ({ res }) => sendJson(res, 200, { status: "ok" }))
    .add("GET", "/readyz", ({ res }) => {
      const ready = source.isReady();
      sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "not-ready" });
    })
    .add("GET", "/metrics", async ({ res }) => {
      const body = await registry.metrics();
      res.writeHead(200, { "content-type": registry.contentType });
      res.end(body);
    });
  return registry;
}
