import type { Hocuspocus } from "@hocuspocus/server";
import type { Registry } from "prom-client";
import { HttpSyncEndpoint, type HttpSyncEndpointName } from "../../../lib/protocol/http-sync";
import { Refusal } from "../../../lib/protocol/refusals";
import type { AccessGate } from "../../access/gate";
import type { DocumentService } from "../../documents";
import type { Logger } from "../../log";
import type { Ingest } from "../../sync/ingest";
import type { RouteContext, Router } from "../router";
import type { HttpSyncContext } from "./context";
import { streamEvents } from "./event-stream";
import { LiveDocs } from "./live-docs";
import { longPoll } from "./long-poll";
import { createHttpSyncMetrics } from "./metrics";
import { postAwareness, postUpdate } from "./posts";

export interface HttpSyncOptions {
  hocuspocus: Hocuspocus;
  documents: DocumentService;
  ingest: Ingest;
  gate: AccessGate;
  log: Logger;
  maxMessageBytes: number;
  metrics?: Registry;
  heartbeatMs?: number;
  /** How long a document stays loaded after its last HTTP request. */
  lingerMs?: number;
}

export interface HttpSync {
  /** Open event streams, across documents. */
  readonly streams: number;
  /** Ends every stream and poll and releases every held document (shutdown). */
  close(): Promise<void>;
}

/**
 * The HTTP sync endpoints (lib/protocol/http-sync.ts), for editors whose
 * WebSocket cannot connect: the same documents, the same access gate and the
 * same ingest path as the sockets.
 */
export function addHttpSync(router: Router, options: HttpSyncOptions): HttpSync {
  const streams = { open: 0 };
  const docs = new LiveDocs({
    hocuspocus: options.hocuspocus,
    log: options.log,
    lingerMs: options.lingerMs ?? 10_000,
  });
  const sync: HttpSyncContext = {
    docs,
    documents: options.documents,
    ingest: options.ingest,
    gate: options.gate,
    log: options.log,
    maxMessageBytes: options.maxMessageBytes,
    metrics: options.metrics && createHttpSyncMetrics(options.metrics, () => streams.open),
    heartbeatMs: options.heartbeatMs ?? 15_000,
    streams,
  };
  options.documents.onDelete((id) => docs.drop(id, Refusal.DocumentDeleted));

  const route = (
    method: string,
    endpoint: HttpSyncEndpointName,
    handler: (sync: HttpSyncContext, context: RouteContext) => Promise<void>,
  ) =>
    router.add(method, `/api/docs/:id/${endpoint}`, async (context) => {
      const { metrics } = sync;
      if (metrics) {
        context.res.once("finish", () =>
          metrics.requests.inc({ endpoint, status: String(context.res.statusCode) }),
        );
      }
      await handler(sync, context);
    });
  route("POST", HttpSyncEndpoint.Updates, postUpdate);
  route("POST", HttpSyncEndpoint.Awareness, postAwareness);
  route("GET", HttpSyncEndpoint.Events, streamEvents);
  route("GET", HttpSyncEndpoint.Poll, longPoll);

  return {
    get streams() {
      return streams.open;
    },
    close: () => docs.close(),
  };
}
