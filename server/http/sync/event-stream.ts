import * as Y from "yjs";
import { eventsQuerySchema, SseEvent, type StreamError } from "../../../lib/protocol/http-sync";
import { Refusal } from "../../../lib/protocol/refusals";
import type { RouteContext } from "../router";
import { admitAndAcquire, type HttpSyncContext } from "./context";
import type { Listener } from "./live-doc";
import { decodeStateVectorParam, parseQuery, toBase64 } from "./request";

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  // nginx and similar proxies buffer responses unless told not to, which would hold events back.
  "x-accel-buffering": "no",
};

function sseEvent(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}

/**
 * GET events: the diff against the client's state vector, `synced`, present
 * awareness, then every later change by anyone else, with a heartbeat so
 * proxies and the client can tell a live stream from a dead one.
 */
export async function streamEvents(sync: HttpSyncContext, context: RouteContext): Promise<void> {
  const { req, res } = context;
  const id = context.params.id ?? "";
  const query = parseQuery(context.url, eventsQuerySchema);
  const sv = decodeStateVectorParam(query.sv);
  const doc = await admitAndAcquire(sync, context, "read");
  if (req.method === "HEAD" || res.destroyed) {
    sync.docs.release(doc);
    if (!res.destroyed) res.writeHead(200, SSE_HEADERS).end();
    return;
  }
  res.writeHead(200, SSE_HEADERS);
  // A slow reader makes the buffer grow without bound; past this it is cheaper to
  // drop the stream and let the client resume from its state vector.
  const maxBuffered = Math.max(8 * 1024 * 1024, 2 * sync.maxMessageBytes);
  let ended = false;
  const write = (chunk: string) => {
    if (ended) return;
    res.write(chunk);
    if (res.writableLength > maxBuffered) {
      sync.log.warn(
        { component: "http-sync", docId: id, buffered: res.writableLength },
        "event stream reader too slow; dropping it",
      );
      res.destroy();
    }
  };
  const listener: Listener = {
    client: query.client,
    onUpdate(encoded, sender) {
      if (sender === undefined || sender !== query.client) {
        write(sseEvent(SseEvent.Update, encoded()));
      }
    },
    onAwareness(changed) {
      const update = doc.encodeAwareness(changed, query.client);
      if (update) write(sseEvent(SseEvent.Awareness, toBase64(update)));
    },
    onClose(reason) {
      const error: StreamError =
        reason === Refusal.DocumentDeleted
          ? { code: reason, message: `document ${id} was deleted` }
          : { code: Refusal.ShuttingDown, message: `the server closed the stream (${reason})` };
      write(sseEvent(SseEvent.Error, JSON.stringify(error)));
      res.end();
    },
  };
  // Synchronous from here to the subscription, so no change falls between the diff and the listener.
  write(sseEvent(SseEvent.Update, toBase64(Y.encodeStateAsUpdate(doc.document, sv))));
  write(sseEvent(SseEvent.Synced, toBase64(Y.encodeStateVector(doc.document))));
  const present = doc.encodeAwareness(undefined, query.client);
  if (present) write(sseEvent(SseEvent.Awareness, toBase64(present)));
  doc.listeners.add(listener);
  sync.streams.open += 1;
  const heartbeat = setInterval(() => write(": keep-alive\n\n"), sync.heartbeatMs);
  heartbeat.unref();
  res.once("close", () => {
    ended = true;
    sync.streams.open -= 1;
    clearInterval(heartbeat);
    doc.listeners.delete(listener);
    if (query.client !== undefined) doc.dropAwareness(query.client);
    sync.docs.release(doc);
  });
}
