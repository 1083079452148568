import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Document, Hocuspocus } from "@hocuspocus/server";
import * as decoding from "lib0/decoding";
import { Counter, Gauge, type Registry } from "prom-client";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import { z } from "zod";
import { DOC_ID_RULE, isValidDocId } from "../../lib/doc-id";
import type { DocumentService } from "../documents";
import { STORAGE_ORIGIN } from "../extensions/persistence";
import type { Logger } from "../log";
import { errorMessage, isEmptyUpdate } from "../protocol/hocuspocus-frame";
import type { DocStore } from "../storage/doc-store";
import { StoreError } from "../storage/doc-store";
import { HttpError, readBody, sendJson } from "./http-kit";
import type { RouteContext, Router } from "./router";

/*
 * HTTP fallback sync, for editors whose WebSocket upgrade is blocked (usually by
 * a proxy). Wire format, all under /api/docs/<id>/:
 *
 *   POST updates?client=<n>    body: one binary Yjs update (v1). 200 {ok:true}
 *                              once the update is in the store's log.
 *   POST awareness?client=<n>  body: one y-protocols awareness update. 200 {ok:true}
 *   GET  events?sv=&client=    text/event-stream. First `update` (base64 diff
 *                              against sv), then `synced` (base64 server state
 *                              vector), then `awareness` (base64) if anyone is
 *                              present; afterwards one `update`/`awareness`
 *                              event per change. `error` ({code,message} JSON)
 *                              precedes a close the client must not retry.
 *   GET  poll?sv=&client=&since=&timeout=
 *                              JSON {cursor, stateVector, update, awareness}
 *                              (base64 or null). Answers at once when the client
 *                              lacks something, else at the next change or after
 *                              `timeout` ms (at most 25 s). `since` is the
 *                              previous answer's opaque cursor.
 *
 * `sv` is a base64url Yjs state vector (empty or absent: the client has
 * nothing). `client` is the sender's Yjs/awareness client id: its own updates
 * and presence are not echoed back to it, and its presence is removed when its
 * last event stream closes.
 */

export interface FallbackSyncOptions {
  hocuspocus: Hocuspocus;
  store: DocStore;
  documents: DocumentService;
  log: Logger;
  maxMessageBytes: number;
  /** False while starting or shutting down: new work is refused with 503, as sockets are. */
  isAccepting: () => boolean;
  metrics?: Registry;
  heartbeatMs?: number;
  /** How long a document stays loaded after its last HTTP request, so polls and bursts of posts reuse it. */
  lingerMs?: number;
}

export interface FallbackSync {
  /** Open event streams, across documents. */
  readonly streams: number;
  /** Ends every stream and poll and releases every held document (shutdown). */
  close(): Promise<void>;
}

export const MAX_POLL_MS = 25_000;
const DEFAULT_HEARTBEAT_MS = 15_000;
const DEFAULT_LINGER_MS = 10_000;
/** Awareness updates are a few hundred bytes; anything near this is not one. */
const MAX_AWARENESS_BYTES = 256 * 1024;

/** Origin for presence set over HTTP; Hocuspocus broadcasts any non-connection origin to every socket. */
const HTTP_AWARENESS_ORIGIN = { source: "http-fallback" } as const;

const base64url = z
  .string()
  .regex(/^[A-Za-z0-9_-]*$/, "must be base64url without padding")
  .max(1_000_000);

const clientParam = z.coerce.number().int().min(0).max(0xffffffff).optional();

const senderQuery = z.object({ client: clientParam });

const eventsQuery = z.object({ sv: base64url.optional(), client: clientParam });

const pollQuery = eventsQuery.extend({
  since: z.string().max(100).optional(),
  timeout: z.coerce
    .number()
    .int()
    .min(0)
    .default(MAX_POLL_MS)
    .transform((value) => Math.min(value, MAX_POLL_MS)),
});

type DirectConnection = Awaited<ReturnType<Hocuspocus["openDirectConnection"]>>;

interface PollAnswer {
  cursor: string;
  stateVector: string;
  update: string | null;
  awareness: string | null;
}

interface Listener {
  /** The client id the listener belongs to; its own changes are not sent back. */
  client: number | undefined;
  onUpdate(encoded: () => string, sender: number | undefined): void;
  onAwareness(changed: number[]): void;
  onClose(reason: CloseReason): void;
}

/** "idle": released after the linger time, when nobody is listening any more. */
type CloseReason = "document-deleted" | "shutting-down" | "idle";

/**
 * One loaded document as seen by the HTTP transport: a held direct connection
 * (so the document stays loaded while anyone streams or polls), the listeners,
 * and sequence numbers that let a long-poll tell what a client has not seen.
 */
class LiveDoc {
  /** Distinguishes cursors from an earlier LiveDoc (or server) for the same id. */
  readonly epoch = randomBytes(6).toString("base64url");
  private seq = 0;
  /** Latest seq of a document update per sender (`-1`: not from an HTTP client). */
  private readonly updateSeqs = new Map<number, number>();
  private readonly awarenessSeqs = new Map<number, number>();
  /** Presence set over HTTP; only these are removed when a stream closes. */
  readonly httpAwarenessClients = new Set<number>();
  readonly listeners = new Set<Listener>();
  private applyingFor: number | undefined;
  refs = 0;
  lingerTimer: NodeJS.Timeout | undefined;
  closed = false;

  constructor(
    readonly id: string,
    readonly connection: DirectConnection,
    readonly document: Document,
    private readonly hocuspocus: Hocuspocus,
  ) {
    document.on("update", this.handleUpdate);
    document.awareness.on("update", this.handleAwareness);
  }

  get cursor(): string {
    return `${this.epoch}.${this.seq}`;
  }

  /**
   * Applies an update that is already in the store's log. STORAGE_ORIGIN tells
   * Persistence it is durable (so it is not appended a second time) and
   * Hocuspocus broadcasts it to the sockets as for any other change.
   */
  applyDurable(update: Uint8Array, sender: number | undefined): void {
    if (this.closed || this.document.isDestroyed) return;
    this.applyingFor = sender;
    try {
      Y.applyUpdate(this.document, update, STORAGE_ORIGIN);
    } finally {
      this.applyingFor = undefined;
    }
    // STORAGE_ORIGIN also skips Hocuspocus's debounced store hook, which is
    // where Persistence decides to compact; schedule it as a socket update would.
    void Promise.resolve(
      this.hocuspocus.storeDocumentHooks(this.document, {
        instance: this.hocuspocus,
        clientsCount: this.document.getConnectionsCount(),
        document: this.document,
        documentName: this.id,
        lastContext: {},
        lastTransactionOrigin: STORAGE_ORIGIN,
      }),
    ).catch(() => undefined);
  }

  applyAwareness(update: Uint8Array, states: AwarenessEntry[]): void {
    if (this.closed || this.document.isDestroyed) return;
    awarenessProtocol.applyAwarenessUpdate(this.document.awareness, update, HTTP_AWARENESS_ORIGIN);
    for (const { clientId, present } of states) {
      if (present) this.httpAwarenessClients.add(clientId);
      else this.httpAwarenessClients.delete(clientId);
    }
  }

  /** Drops the presence of an HTTP client whose last stream closed, instead of waiting 30 s for it to time out. */
  dropAwareness(clientId: number): void {
    if (this.closed || !this.httpAwarenessClients.has(clientId)) return;
    for (const listener of this.listeners) if (listener.client === clientId) return;
    this.httpAwarenessClients.delete(clientId);
    if (this.document.awareness.getStates().has(clientId)) {
      awarenessProtocol.removeAwarenessStates(
        this.document.awareness,
        [clientId],
        HTTP_AWARENESS_ORIGIN,
      );
    }
  }

  /** Encoded presence of `clients` (all present ones when omitted), minus `except`; null when empty. */
  encodeAwareness(clients: number[] | undefined, except: number | undefined): Uint8Array | null {
    const awareness = this.document.awareness;
    const ids = (clients ?? [...awareness.getStates().keys()]).filter(
      (id) => id !== except && awareness.meta.has(id),
    );
    return ids.length === 0 ? null : awarenessProtocol.encodeAwarenessUpdate(awareness, ids);
  }

  /** What a long-poll with these parameters should get now, or null if it has seen everything. */
  pollAnswer(
    clientSv: Map<number, number>,
    sv: Uint8Array,
    client: number | undefined,
    since: string | undefined,
    force: boolean,
  ): PollAnswer | null {
    const sinceSeq = this.parseCursor(since);
    const fresh = sinceSeq === null;
    const needsUpdate =
      fresh || this.lacksStructs(clientSv) || this.changedSince(this.updateSeqs, sinceSeq, client);
    const awarenessChanged = fresh ? undefined : this.awarenessChangedSince(sinceSeq, client);
    const awareness =
      awarenessChanged === undefined || awarenessChanged.length > 0
        ? this.encodeAwareness(awarenessChanged, client)
        : null;
    if (!needsUpdate && awareness === null && !force) return null;
    return {
      cursor: this.cursor,
      stateVector: Buffer.from(Y.encodeStateVector(this.document)).toString("base64"),
      update: needsUpdate
        ? Buffer.from(Y.encodeStateAsUpdate(this.document, sv)).toString("base64")
        : null,
      awareness: awareness === null ? null : Buffer.from(awareness).toString("base64"),
    };
  }

  private parseCursor(cursor: string | undefined): number | null {
    if (cursor === undefined) return null;
    const [epoch, seq] = cursor.split(".");
    const value = Number(seq);
    if (epoch !== this.epoch || !Number.isInteger(value) || value < 0 || value > this.seq) {
      return null;
    }
    return value;
  }

  /** Deletions do not move the state vector, so this alone cannot tell a client is current. */
  private lacksStructs(clientSv: Map<number, number>): boolean {
    for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(this.document))) {
      if ((clientSv.get(client) ?? 0) < clock) return true;
    }
    return false;
  }

  private changedSince(seqs: Map<number, number>, since: number, except: number | undefined) {
    for (const [key, seq] of seqs) if (key !== except && seq > since) return true;
    return false;
  }

  private awarenessChangedSince(since: number, except: number | undefined): number[] {
    const changed: number[] = [];
    for (const [clientId, seq] of this.awarenessSeqs) {
      if (clientId !== except && seq > since) changed.push(clientId);
    }
    return changed;
  }

  private readonly handleUpdate = (update: Uint8Array) => {
    const sender = this.applyingFor;
    this.seq += 1;
    this.updateSeqs.set(sender ?? -1, this.seq);
    let encoded: string | undefined;
    const lazy = () => {
      encoded ??= Buffer.from(update).toString("base64");
      return encoded;
    };
    for (const listener of this.listeners) listener.onUpdate(lazy, sender);
  };

  private readonly handleAwareness = ({
    added,
    updated,
    removed,
  }: {
    added: number[];
    updated: number[];
    removed: number[];
  }) => {
    const changed = [...added, ...updated, ...removed];
    this.seq += 1;
    for (const clientId of changed) this.awarenessSeqs.set(clientId, this.seq);
    for (const clientId of removed) this.httpAwarenessClients.delete(clientId);
    for (const listener of this.listeners) listener.onAwareness(changed);
  };

  detach(reason: CloseReason): void {
    this.closed = true;
    clearTimeout(this.lingerTimer);
    this.document.off("update", this.handleUpdate);
    this.document.awareness.off("update", this.handleAwareness);
    for (const listener of [...this.listeners]) listener.onClose(reason);
    this.listeners.clear();
  }
}

interface AwarenessEntry {
  clientId: number;
  present: boolean;
}

/**
 * Registers the fallback endpoints. Every update is appended to the store
 * before it is applied to the live document, so it is durable before any
 * socket or stream sees it and before its sender gets the 200.
 */
export function addFallbackSync(router: Router, options: FallbackSyncOptions): FallbackSync {
  const { hocuspocus, store, log, maxMessageBytes } = options;
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS;
  const live = new Map<string, LiveDoc>();
  const opening = new Map<string, Promise<LiveDoc>>();
  const disconnects = new Set<Promise<void>>();
  let streams = 0;
  let closing = false;
  const metrics = createMetrics(options.metrics, () => streams);

  options.documents.onDelete((id) => {
    const doc = live.get(id);
    if (doc) dispose(doc, "document-deleted");
  });

  function assertAccepting(): void {
    if (closing || !options.isAccepting()) {
      throw new HttpError(503, "shutting-down", "the server is not accepting sync work right now");
    }
  }

  async function acquire(id: string): Promise<LiveDoc> {
    assertAccepting();
    let doc = live.get(id);
    if (!doc) {
      let pending = opening.get(id);
      if (!pending) {
        pending = open(id).finally(() => opening.delete(id));
        opening.set(id, pending);
      }
      doc = await pending;
    }
    if (doc.closed) {
      // Deleted or shut down while this request waited for it.
      if (await store.isDeleted(id)) throw new StoreError("deleted", `document ${id} was deleted`);
      assertAccepting();
      return acquire(id);
    }
    doc.refs += 1;
    clearTimeout(doc.lingerTimer);
    doc.lingerTimer = undefined;
    return doc;
  }

  /** Loads like a socket connect would: deleted ids are refused, unknown valid ids are created. */
  async function open(id: string): Promise<LiveDoc> {
    if (await store.isDeleted(id)) throw new StoreError("deleted", `document ${id} was deleted`);
    let connection: DirectConnection;
    try {
      connection = await hocuspocus.openDirectConnection(id, { transport: "http-fallback" });
    } catch (error) {
      const reason = (error as { reason?: unknown }).reason;
      if (reason === "document-deleted") {
        throw new StoreError("deleted", `document ${id} was deleted`);
      }
      throw new StoreError("unavailable", `document ${id} could not be loaded, retry later`);
    }
    const document = hocuspocus.documents.get(id);
    if (!document || document.isDestroyed) {
      await connection.disconnect();
      throw new StoreError("unavailable", `document ${id} could not be loaded, retry later`);
    }
    const doc = new LiveDoc(id, connection, document, hocuspocus);
    live.set(id, doc);
    if (closing) dispose(doc, "shutting-down");
    return doc;
  }

  function release(doc: LiveDoc): void {
    doc.refs -= 1;
    if (doc.refs > 0 || doc.closed) return;
    doc.lingerTimer = setTimeout(() => {
      if (doc.refs === 0) dispose(doc, "idle");
    }, lingerMs);
    doc.lingerTimer.unref();
  }

  function dispose(doc: LiveDoc, reason: CloseReason): void {
    if (doc.closed) return;
    if (live.get(doc.id) === doc) live.delete(doc.id);
    doc.detach(reason);
    const disconnect = doc.connection.disconnect().catch((error: unknown) => {
      log.warn(
        { component: "fallback-sync", docId: doc.id, err: errorMessage(error) },
        "releasing a document failed",
      );
    });
    disconnects.add(disconnect);
    void disconnect.finally(() => disconnects.delete(disconnect));
  }

  async function handleUpdates(context: RouteContext): Promise<void> {
    const id = docId(context);
    assertAccepting();
    const { client } = parseQuery(context.url, senderQuery);
    requireBinary(context.req);
    const update = new Uint8Array(await readBody(context.req, maxMessageBytes));
    try {
      if (update.length === 0) throw new Error("empty body");
      // Full validation would mean applying to a scratch copy of the document; decoding
      // catches truncated and garbage bodies, the same check sockets get.
      Y.decodeUpdate(update);
    } catch (error) {
      log.warn(
        { component: "fallback-sync", docId: id, bytes: update.length, err: errorMessage(error) },
        "refused an undecodable update",
      );
      throw new HttpError(400, "invalid-update", `not a Yjs update: ${errorMessage(error)}`);
    }
    const doc = await acquire(id);
    try {
      if (!isEmptyUpdate(update)) {
        // Append first, then apply: once applied, sockets and streams see the change, and
        // they must never see anything a crash could lose. The 200 follows the append.
        await store.append(id, update);
        doc.applyDurable(update, client);
        metrics?.updateBytes.inc(update.length);
      }
    } finally {
      release(doc);
    }
    sendJson(context.res, 200, { ok: true });
  }

  async function handleAwareness(context: RouteContext): Promise<void> {
    const id = docId(context);
    assertAccepting();
    requireBinary(context.req);
    const update = new Uint8Array(
      await readBody(context.req, Math.min(maxMessageBytes, MAX_AWARENESS_BYTES)),
    );
    let states: AwarenessEntry[];
    try {
      states = decodeAwarenessUpdate(update);
    } catch (error) {
      log.warn(
        { component: "fallback-sync", docId: id, err: errorMessage(error) },
        "refused an undecodable awareness update",
      );
      throw new HttpError(
        400,
        "invalid-awareness",
        `not an awareness update: ${errorMessage(error)}`,
      );
    }
    const doc = await acquire(id);
    try {
      doc.applyAwareness(update, states);
    } finally {
      release(doc);
    }
    sendJson(context.res, 200, { ok: true });
  }

  async function handleEvents(context: RouteContext): Promise<void> {
    const { req, res } = context;
    const id = docId(context);
    assertAccepting();
    const query = parseQuery(context.url, eventsQuery);
    const sv = decodeStateVectorParam(query.sv);
    const doc = await acquire(id);
    if (req.method === "HEAD" || res.destroyed) {
      release(doc);
      if (!res.destroyed) res.writeHead(200, sseHeaders).end();
      return;
    }
    res.writeHead(200, sseHeaders);
    // A slow reader makes the buffer grow without bound; past this it is cheaper to
    // drop the stream and let the client resume from its state vector.
    const maxBuffered = Math.max(8 * 1024 * 1024, 2 * maxMessageBytes);
    let ended = false;
    const write = (chunk: string) => {
      if (ended) return;
      res.write(chunk);
      if (res.writableLength > maxBuffered) {
        log.warn(
          { component: "fallback-sync", docId: id, buffered: res.writableLength },
          "event stream reader too slow; dropping it",
        );
        res.destroy();
      }
    };
    const listener: Listener = {
      client: query.client,
      onUpdate(encoded, sender) {
        if (sender === undefined || sender !== query.client) write(sseEvent("update", encoded()));
      },
      onAwareness(changed) {
        const update = doc.encodeAwareness(changed, query.client);
        if (update) write(sseEvent("awareness", Buffer.from(update).toString("base64")));
      },
      onClose(reason) {
        write(
          sseEvent(
            "error",
            JSON.stringify({
              code: reason,
              message:
                reason === "document-deleted"
                  ? `document ${id} was deleted`
                  : `the server closed the stream (${reason})`,
            }),
          ),
        );
        res.end();
      },
    };
    // Synchronous from here to the subscription, so no change falls between the diff and the listener.
    write(
      sseEvent("update", Buffer.from(Y.encodeStateAsUpdate(doc.document, sv)).toString("base64")),
    );
    write(sseEvent("synced", Buffer.from(Y.encodeStateVector(doc.document)).toString("base64")));
    const present = doc.encodeAwareness(undefined, query.client);
    if (present) write(sseEvent("awareness", Buffer.from(present).toString("base64")));
    doc.listeners.add(listener);
    streams += 1;
    const heartbeat = setInterval(() => write(": keep-alive\n\n"), heartbeatMs);
    heartbeat.unref();
    res.once("close", () => {
      ended = true;
      streams -= 1;
      clearInterval(heartbeat);
      doc.listeners.delete(listener);
      if (query.client !== undefined) doc.dropAwareness(query.client);
      release(doc);
    });
  }

  async function handlePoll(context: RouteContext): Promise<void> {
    const { res } = context;
    const id = docId(context);
    assertAccepting();
    const query = parseQuery(context.url, pollQuery);
    const sv = decodeStateVectorParam(query.sv);
    const clientSv = Y.decodeStateVector(sv);
    const doc = await acquire(id);
    let answer: PollAnswer | null;
    try {
      const current = (force: boolean) =>
        doc.pollAnswer(clientSv, sv, query.client, query.since, force);
      answer = current(false);
      if (answer === null && query.timeout > 0) {
        answer = await new Promise<PollAnswer | null>((resolve, reject) => {
          const finish = (result: PollAnswer | null, error?: HttpError) => {
            clearTimeout(timer);
            doc.listeners.delete(listener);
            res.off("close", onClose);
            metrics?.polls.dec();
            if (error) reject(error);
            else resolve(result);
          };
          const check = () => {
            const ready = current(false);
            if (ready) finish(ready);
          };
          const listener: Listener = {
            client: query.client,
            onUpdate: check,
            onAwareness: check,
            onClose(reason) {
              if (reason === "document-deleted") {
                finish(null, new HttpError(410, "deleted", `document ${id} was deleted`));
              } else {
                finish(current(true));
              }
            },
          };
          const onClose = () => finish(null);
          const timer = setTimeout(() => finish(current(true)), query.timeout);
          metrics?.polls.inc();
          doc.listeners.add(listener);
          res.once("close", onClose);
        });
      }
      answer ??= res.destroyed
        ? null
        : doc.pollAnswer(clientSv, sv, query.client, query.since, true);
    } finally {
      release(doc);
    }
    if (answer && !res.destroyed) sendJson(res, 200, answer);
  }

  const route = (endpoint: string, handler: (context: RouteContext) => Promise<void>) => {
    return async (context: RouteContext) => {
      if (metrics) {
        context.res.once("finish", () =>
          metrics.requests.inc({ endpoint, status: String(context.res.statusCode) }),
        );
      }
      await handler(context);
    };
  };

  router
    .add("POST", "/api/docs/:id/updates", route("updates", handleUpdates))
    .add("POST", "/api/docs/:id/awareness", route("awareness", handleAwareness))
    .add("GET", "/api/docs/:id/events", route("events", handleEvents))
    .add("GET", "/api/docs/:id/poll", route("poll", handlePoll));

  return {
    get streams() {
      return streams;
    },
    async close() {
      closing = true;
      await Promise.allSettled([...opening.values()]);
      for (const doc of [...live.values()]) dispose(doc, "shutting-down");
      await Promise.all([...disconnects]);
    },
  };
}

const sseHeaders = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  // nginx and similar proxies buffer responses unless told not to, which would hold events back.
  "x-accel-buffering": "no",
};

function sseEvent(event: string, data: string): string {
  return `event: ${event}\ndata: ${data}\n\n`;
}

function docId({ params }: RouteContext): string {
  const id = params.id ?? "";
  if (!isValidDocId(id)) {
    throw new HttpError(400, "invalid-document-id", `document id must be ${DOC_ID_RULE}`);
  }
  return id;
}

function parseQuery<T>(url: URL, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    throw new HttpError(400, "invalid-query", `${where}${issue?.message ?? "invalid query"}`);
  }
  return parsed.data;
}

function requireBinary(req: IncomingMessage): void {
  const type = req.headers["content-type"];
  if (type !== undefined && !type.startsWith("application/octet-stream")) {
    throw new HttpError(415, "unsupported-media-type", "send application/octet-stream");
  }
}

function decodeStateVectorParam(sv: string | undefined): Uint8Array {
  if (sv === undefined || sv === "") return new Uint8Array([0]);
  const bytes = new Uint8Array(Buffer.from(sv, "base64url"));
  try {
    Y.decodeStateVector(bytes);
  } catch (error) {
    throw new HttpError(
      400,
      "invalid-state-vector",
      `sv is not a state vector: ${errorMessage(error)}`,
    );
  }
  return bytes;
}

/** Checks the y-protocols awareness encoding: a count, then client id, clock and JSON state each. */
function decodeAwarenessUpdate(update: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    decoding.readVarUint(decoder);
    const state: unknown = JSON.parse(decoding.readVarString(decoder));
    entries.push({ clientId, present: state !== null });
  }
  if (decoding.hasContent(decoder)) throw new Error("trailing bytes");
  return entries;
}

function createMetrics(registry: Registry | undefined, streams: () => number) {
  if (!registry) return undefined;
  new Gauge({
    name: "tandem_http_fallback_streams",
    help: "Open HTTP fallback event streams",
    registers: [registry],
    collect() {
      this.set(streams());
    },
  });
  return {
    requests: new Counter({
      name: "tandem_http_fallback_requests_total",
      help: "HTTP fallback sync requests by endpoint and status",
      labelNames: ["endpoint", "status"] as const,
      registers: [registry],
    }),
    updateBytes: new Counter({
      name: "tandem_http_fallback_update_bytes_total",
      help: "Bytes of document updates received over HTTP fallback",
      registers: [registry],
    }),
    polls: new Gauge({
      name: "tandem_http_fallback_polls_waiting",
      help: "Long-polls waiting for a change",
      registers: [registry],
    }),
  };
}
