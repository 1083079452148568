import type { AccessGate } from "../../access/gate";
import type { DocumentService } from "../../documents";
import type { Logger } from "../../log";
import type { Ingest } from "../../sync/ingest";
import { credentialsOf } from "../http-kit";
import type { RouteContext } from "../router";
import type { LiveDoc } from "./live-doc";
import type { LiveDocs } from "./live-docs";
import type { HttpSyncMetrics } from "./metrics";

/** What every HTTP sync handler shares. */
export interface HttpSyncContext {
  docs: LiveDocs;
  documents: DocumentService;
  ingest: Ingest;
  gate: AccessGate;
  log: Logger;
  maxMessageBytes: number;
  metrics: HttpSyncMetrics | undefined;
  heartbeatMs: number;
  /** Open event streams, across documents. */
  streams: { open: number };
}

/** Asks the access gate for the route's document, then holds it for the request. */
export async function admitAndAcquire(
  sync: HttpSyncContext,
  context: RouteContext,
  need: "read" | "write",
): Promise<LiveDoc> {
  const id = context.params.id ?? "";
  const admission = await sync.gate.admit(credentialsOf(context.req), id, need);
  if (admission.permission === "write" && !admission.listed) await sync.documents.ensureExists(id);
  return sync.docs.acquire(id);
}
