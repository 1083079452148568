import { isEmptyUpdate } from "../../../lib/protocol/frames";
import { senderQuerySchema } from "../../../lib/protocol/http-sync";
import { Refused } from "../../../lib/protocol/refusals";
import { errorMessage } from "../../log";
import { httpOrigin } from "../../sync/origins";
import { credentialsOf, readBody, sendJson } from "../http-kit";
import type { RouteContext } from "../router";
import { type AwarenessEntry, decodeAwarenessUpdate } from "./awareness-codec";
import type { HttpSyncContext } from "./context";
import { parseQuery, requireBinary } from "./request";

/** Awareness updates are a few hundred bytes; anything near this is not one. */
const MAX_AWARENESS_BYTES = 256 * 1024;

/**
 * POST updates: one Yjs update, through the Ingest (validated, appended,
 * then applied with the HTTP origin). The 200 follows the append, so it
 * means what a socket acknowledgement means.
 */
export async function postUpdate(sync: HttpSyncContext, context: RouteContext): Promise<void> {
  const id = context.params.id ?? "";
  const admission = await sync.gate.admit(credentialsOf(context.req), id, "write");
  const { client } = parseQuery(context.url, senderQuerySchema);
  requireBinary(context.req);
  const update = new Uint8Array(await readBody(context.req, sync.maxMessageBytes));
  // Refused before the document is loaded (or created) for it.
  sync.ingest.validate(id, update);
  if (!admission.listed) await sync.documents.ensureExists(id);
  const doc = await sync.docs.acquire(id);
  try {
    // Appended, then applied: nobody sees what a crash could lose, and the 200 follows.
    await sync.ingest.append(id, update);
    if (!isEmptyUpdate(update)) sync.ingest.apply(doc.document, [update], httpOrigin(client));
    if (!isEmptyUpdate(update)) sync.metrics?.updateBytes.inc(update.length);
  } finally {
    sync.docs.release(doc);
  }
  sendJson(context.res, 200, { ok: true });
}

/** POST awareness: one y-protocols awareness update (presence is not stored). */
export async function postAwareness(sync: HttpSyncContext, context: RouteContext): Promise<void> {
  const id = context.params.id ?? "";
  await sync.gate.admit(credentialsOf(context.req), id, "read");
  requireBinary(context.req);
  const limit = Math.min(sync.maxMessageBytes, MAX_AWARENESS_BYTES);
  const update = new Uint8Array(await readBody(context.req, limit));
  let states: AwarenessEntry[];
  try {
    states = decodeAwarenessUpdate(update);
  } catch (error) {
    sync.log.warn(
      { component: "http-sync", docId: id, err: errorMessage(error) },
      "refused an undecodable awareness update",
    );
    throw new Refused("invalid-awareness", `not an awareness update: ${errorMessage(error)}`);
  }
  const doc = await sync.docs.acquire(id);
  try {
    doc.applyAwareness(update, states);
  } finally {
    sync.docs.release(doc);
  }
  sendJson(context.res, 200, { ok: true });
}
