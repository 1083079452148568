/**
 * Live sync over plain HTTP, for editors whose WebSocket cannot connect
 * (usually a proxy that refuses the upgrade). Local updates are POSTed in
 * order and count as unsynced until the server answers, which it does only
 * once they are durable: the same promise HocuspocusProvider's
 * `unsyncedChanges` makes. Everyone else's updates and presence arrive over a
 * Server-Sent Events stream, or by long-polling where a proxy cuts or buffers
 * the stream. The wire format is described in server/http/fallback-sync.ts.
 *
 * Isomorphic (browser and Node): it uses fetch and reads the event stream from
 * the response body itself, since EventSource is missing in Node and hides why
 * a stream failed.
 */
import { fromBase64, toBase64UrlEncoded } from "lib0/buffer";
import { ObservableV2 } from "lib0/observable";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import { SseParser } from "./sse-parser";

export type HttpSyncStatus = "connecting" | "connected" | "disconnected";
export type HttpSyncMode = "sse" | "poll";

export interface HttpSyncTransportOptions {
  /** Origin of the Tandem server, e.g. "https://docs.example.com". */
  baseUrl: string;
  docId: string;
  doc: Y.Doc;
  awareness?: awarenessProtocol.Awareness;
  /** How to receive; "sse" (the default) falls back to "poll" by itself. */
  mode?: HttpSyncMode;
  fetch?: typeof fetch;
  /**
   * Local updates with an origin this returns true for are not posted: pass the
   * WebSocket provider when both run, since what it applied came from the server.
   */
  ignoreOrigin?: (origin: unknown) => boolean;
  /** Minimum time between presence posts; the latest state is always the one sent. */
  awarenessThrottleMs?: number;
  /** How long the server may hold a long-poll (the server caps it at 25 s). */
  pollTimeoutMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Consecutive event streams that fail before delivering the initial sync, then long-poll. */
  sseFailuresBeforePoll?: number;
  /** A stream that opens but shows nothing for this long is being buffered by a proxy. */
  sseSyncTimeoutMs?: number;
  /** Silence (the server sends a heartbeat every 15 s) after which a stream counts as dead. */
  sseIdleTimeoutMs?: number;
  /** Queued updates are merged into one POST up to about this size. */
  maxBatchBytes?: number;
}

export interface HttpSyncTransportEvents {
  status: (event: { status: HttpSyncStatus }) => void;
  /** True once the server's state is applied; false while the receiving side reconnects. */
  synced: (event: { state: boolean }) => void;
  unsyncedChanges: (event: { number: number }) => void;
  mode: (event: { mode: HttpSyncMode }) => void;
  /** `fatal`: the document is refused (see `refusedReason`) and the transport has stopped. */
  error: (event: { code: string; message: string; fatal: boolean }) => void;
}

interface Queued {
  update: Uint8Array;
  /** Local changes merged into this entry, for `unsyncedChanges`. */
  changes: number;
}

/** One attempt at a receiving channel, as the reconnect loop judges it. */
interface Channel {
  /** The server's state arrived. */
  delivered: boolean;
  /** Ended by the silence watchdog. */
  stalled: boolean;
  onDelivered(): void;
}

interface PollBody {
  cursor: string;
  stateVector: string;
  update: string | null;
  awareness: string | null;
}

/** The server refused the document for good; retrying cannot help. */
class Refused extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** A failure worth retrying: network errors, 5xx, a stream that never delivered. */
class Retryable extends Error {}

export class HttpSyncTransport extends ObservableV2<HttpSyncTransportEvents> {
  readonly doc: Y.Doc;
  readonly awareness: awarenessProtocol.Awareness | undefined;
  status: HttpSyncStatus = "disconnected";
  mode: HttpSyncMode;
  synced = false;
  /** Set when the server refused the document ("document-deleted", ...); the transport stays stopped. */
  refusedReason: string | null = null;

  private readonly options: Required<
    Omit<HttpSyncTransportOptions, "awareness" | "doc" | "mode" | "fetch" | "ignoreOrigin">
  >;
  private readonly fetch: typeof fetch;
  private readonly ignoreOrigin: (origin: unknown) => boolean;
  private run: AbortController | null = null;
  /** The server's state was received once in this run, so local updates may be posted. */
  private syncedOnce = false;
  private queue: Queued[] = [];
  private inFlight = 0;
  private pumping = false;
  private sseFailures = 0;
  private clientKey = 0;
  private awarenessTimer: ReturnType<typeof setTimeout> | undefined;
  private awarenessDirty = false;
  private awarenessSending = false;
  private lastAwarenessSent = 0;

  constructor(options: HttpSyncTransportOptions) {
    super();
    this.doc = options.doc;
    this.awareness = options.awareness;
    this.mode = options.mode ?? "sse";
    const fetchImpl = options.fetch ?? globalThis.fetch;
    // Browsers throw "Illegal invocation" when fetch is called detached from globalThis.
    this.fetch = (input, init) => fetchImpl.call(globalThis, input, init);
    this.ignoreOrigin = options.ignoreOrigin ?? (() => false);
    this.options = {
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
      docId: options.docId,
      awarenessThrottleMs: options.awarenessThrottleMs ?? 100,
      pollTimeoutMs: options.pollTimeoutMs ?? 25_000,
      retryMinMs: options.retryMinMs ?? 250,
      retryMaxMs: options.retryMaxMs ?? 10_000,
      sseFailuresBeforePoll: options.sseFailuresBeforePoll ?? 3,
      sseSyncTimeoutMs: options.sseSyncTimeoutMs ?? 10_000,
      sseIdleTimeoutMs: options.sseIdleTimeoutMs ?? 45_000,
      maxBatchBytes: options.maxBatchBytes ?? 1024 * 1024,
    };
  }

  /** Local changes not yet acknowledged as durable by the server. */
  get unsyncedChanges(): number {
    return this.inFlight + this.queue.reduce((sum, entry) => sum + entry.changes, 0);
  }

  start(): void {
    if (this.run || this.refusedReason) return;
    const run = new AbortController();
    this.run = run;
    this.syncedOnce = false;
    this.clientKey = this.awareness?.clientID ?? this.doc.clientID;
    this.doc.on("update", this.onDocUpdate);
    this.doc.on("destroy", this.onDocDestroy);
    this.awareness?.on("update", this.onAwarenessUpdate);
    void this.receive(run.signal);
  }

  /** Stops syncing. Unacknowledged changes stay in the document and are sent on the next start(). */
  stop(): void {
    const run = this.run;
    if (!run) return;
    this.run = null;
    run.abort();
    this.doc.off("update", this.onDocUpdate);
    this.doc.off("destroy", this.onDocDestroy);
    clearTimeout(this.awarenessTimer);
    this.awarenessTimer = undefined;
    const awareness = this.awareness;
    if (awareness) {
      awareness.off("update", this.onAwarenessUpdate);
      if (this.syncedOnce && awareness.getLocalState() !== null) {
        // Same clock with a null state: the server drops our presence now, not in 30 s.
        const leave = awarenessProtocol.encodeAwarenessUpdate(
          awareness,
          [awareness.clientID],
          new Map(),
        );
        void this.fetch(this.url("awareness"), {
          method: "POST",
          headers: { "content-type": "application/octet-stream" },
          body: new Uint8Array(leave),
          keepalive: true,
        }).catch(() => undefined);
      }
      const others = [...awareness.getStates().keys()].filter((id) => id !== awareness.clientID);
      awarenessProtocol.removeAwarenessStates(awareness, others, this);
    }
    this.setSynced(false);
    this.setStatus("disconnected");
  }

  override destroy(): void {
    this.stop();
    super.destroy();
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown) => {
    if (origin === this || this.ignoreOrigin(origin)) return;
    this.queue.push({ update, changes: 1 });
    this.emitUnsynced();
    void this.pump();
  };

  private readonly onDocDestroy = () => this.stop();

  private readonly onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ) => {
    if (origin === this || !this.awareness) return;
    const own = this.awareness.clientID;
    if (added.includes(own) || updated.includes(own) || removed.includes(own)) {
      this.awarenessDirty = true;
      this.scheduleAwareness();
    }
  };

  /** Keeps one receiving channel open, reconnecting with backoff, until stopped or refused. */
  private async receive(signal: AbortSignal): Promise<void> {
    let delay = this.options.retryMinMs;
    while (!signal.aborted) {
      this.setStatus("connecting");
      const channel: Channel = {
        delivered: false,
        stalled: false,
        onDelivered: () => {
          channel.delivered = true;
          delay = this.options.retryMinMs;
        },
      };
      try {
        if (this.mode === "sse") await this.stream(signal, channel);
        else await this.poll(signal, channel);
      } catch (error) {
        if (error instanceof Refused) {
          this.refuse(error);
          return;
        }
      }
      if (signal.aborted) return;
      this.setSynced(false);
      this.setStatus("disconnected");
      if (this.mode === "sse") {
        // A stream that went silent (heartbeats held back) is as useless as one that never opened.
        const worked = channel.delivered && !channel.stalled;
        this.sseFailures = worked ? 0 : this.sseFailures + 1;
        if (this.sseFailures >= this.options.sseFailuresBeforePoll) {
          this.mode = "poll";
          this.emit("mode", [{ mode: "poll" }]);
          continue;
        }
      }
      await sleep(jitter(delay), signal);
      delay = Math.min(delay * 2, this.options.retryMaxMs);
    }
  }

  /** Reads the event stream until it ends; throws on failure. */
  private async stream(signal: AbortSignal, channel: Channel): Promise<void> {
    const controller = new AbortController();
    const abort = () => controller.abort();
    signal.addEventListener("abort", abort, { once: true });
    // A proxy that buffers the stream shows up as silence, not as an error. Any bytes
    // count as progress, so a large first diff on a slow link is not mistaken for it.
    const onSilence = () => {
      channel.stalled = true;
      controller.abort();
    };
    let watchdog = setTimeout(onSilence, this.options.sseSyncTimeoutMs);
    const rearm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(
        onSilence,
        channel.delivered ? this.options.sseIdleTimeoutMs : this.options.sseSyncTimeoutMs,
      );
    };
    try {
      const stateVector = Y.encodeStateVector(this.doc);
      const response = await this.fetch(this.url("events", { sv: stateVector }), {
        headers: { accept: "text/event-stream" },
        cache: "no-store",
        signal: controller.signal,
      });
      if (!response.ok) throw await failureOf(response);
      const type = response.headers.get("content-type") ?? "";
      if (!type.startsWith("text/event-stream") || !response.body) {
        throw new Retryable(`expected an event stream, got ${type || "no body"}`);
      }
      const parser = new SseParser(({ event, data }) => {
        switch (event) {
          case "update":
            this.applyRemote(fromBase64(data));
            break;
          case "synced":
            channel.onDelivered();
            rearm();
            this.onServerState(fromBase64(data));
            break;
          case "awareness":
            this.applyRemoteAwareness(fromBase64(data));
            break;
          case "error":
            throw streamError(data);
        }
      });
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        rearm();
        parser.push(decoder.decode(value, { stream: true }));
      }
    } finally {
      clearTimeout(watchdog);
      signal.removeEventListener("abort", abort);
      controller.abort();
    }
  }

  /** Long-polls until a request fails; throws on failure. */
  private async poll(signal: AbortSignal, channel: Channel): Promise<void> {
    let cursor: string | undefined;
    while (!signal.aborted) {
      const response = await this.fetch(
        this.url("poll", {
          sv: Y.encodeStateVector(this.doc),
          timeout: String(this.options.pollTimeoutMs),
          since: cursor,
        }),
        {
          cache: "no-store",
          signal: AbortSignal.any([
            signal,
            AbortSignal.timeout(this.options.pollTimeoutMs + this.options.sseIdleTimeoutMs),
          ]),
        },
      );
      if (!response.ok) throw await failureOf(response);
      const body = parsePollBody(await response.json());
      if (body.update !== null) this.applyRemote(fromBase64(body.update));
      if (body.awareness !== null) this.applyRemoteAwareness(fromBase64(body.awareness));
      cursor = body.cursor;
      if (!this.synced) {
        channel.onDelivered();
        this.onServerState(fromBase64(body.stateVector));
      }
    }
  }

  /**
   * The server's state vector is exactly what it has, so the diff against it
   * is everything it lacks: edits made offline before start(), and edits
   * whose POST was cut off by a reconnect. It replaces the queue, whose
   * entries it contains.
   */
  private onServerState(serverStateVector: Uint8Array): void {
    const diff = Y.encodeStateAsUpdate(this.doc, serverStateVector);
    if (hasChanges(diff)) {
      const changes = this.queue.reduce((sum, entry) => sum + entry.changes, 0);
      this.queue = [{ update: diff, changes: Math.max(changes, 1) }];
    }
    this.syncedOnce = true;
    this.setSynced(true);
    this.setStatus("connected");
    this.emitUnsynced();
    void this.pump();
    if (this.awareness?.getLocalState()) {
      this.awarenessDirty = true;
      this.scheduleAwareness();
    }
  }

  private applyRemote(update: Uint8Array): void {
    Y.applyUpdate(this.doc, update, this);
  }

  private applyRemoteAwareness(update: Uint8Array): void {
    if (this.awareness) awarenessProtocol.applyAwarenessUpdate(this.awareness, update, this);
  }

  /** Posts queued updates one batch at a time, in order, each retried until acknowledged. */
  private async pump(): Promise<void> {
    const signal = this.run?.signal;
    if (this.pumping || !signal || !this.syncedOnce) return;
    this.pumping = true;
    try {
      while (!signal.aborted && this.queue.length > 0) {
        const batch = this.takeBatch();
        this.inFlight = batch.changes;
        const outcome = await this.postUpdate(batch.update, signal);
        this.inFlight = 0;
        if (outcome === "aborted") {
          this.queue.unshift(batch);
          break;
        }
        this.emitUnsynced();
      }
    } finally {
      this.pumping = false;
      // A stop() and start() while this run's POST was settling: the new run's pump() found
      // this one still busy, so continue on its behalf.
      if (this.run && this.run.signal !== signal && this.syncedOnce) void this.pump();
    }
  }

  /** Merges queued updates (everything typed while the last POST was in flight) into one. */
  private takeBatch(): Queued {
    const taken: Queued[] = [];
    let bytes = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0] as Queued;
      if (taken.length > 0 && bytes + next.update.length > this.options.maxBatchBytes) break;
      taken.push(next);
      this.queue.shift();
      bytes += next.update.length;
    }
    const update =
      taken.length === 1
        ? (taken[0] as Queued).update
        : Y.mergeUpdates(taken.map((entry) => entry.update));
    return { update, changes: taken.reduce((sum, entry) => sum + entry.changes, 0) };
  }

  private async postUpdate(
    update: Uint8Array,
    signal: AbortSignal,
  ): Promise<"acknowledged" | "dropped" | "aborted"> {
    let delay = this.options.retryMinMs;
    while (!signal.aborted) {
      try {
        const response = await this.fetch(this.url("updates"), {
          method: "POST",
          headers: { "content-type": "application/octet-stream" },
          body: new Uint8Array(update),
          signal,
        });
        if (response.ok) {
          await response.body?.cancel();
          return "acknowledged";
        }
        const failure = await failureOf(response);
        if (failure instanceof Refused) {
          // The document is gone or refused; an invalid or oversized update is refused for
          // good too, but only that update: it stays in the local document.
          if (response.status === 400 || response.status === 413 || response.status === 415) {
            this.emit("error", [{ code: failure.reason, message: failure.message, fatal: false }]);
            return "dropped";
          }
          this.refuse(failure);
          return "aborted";
        }
      } catch {
        // Network failure: retried below; nothing is lost or reordered since this batch
        // stays at the head of the line.
      }
      await sleep(jitter(delay), signal);
      delay = Math.min(delay * 2, this.options.retryMaxMs);
    }
    return "aborted";
  }

  private scheduleAwareness(): void {
    if (!this.run || !this.syncedOnce || this.awarenessTimer || this.awarenessSending) return;
    const wait = Math.max(
      0,
      this.lastAwarenessSent + this.options.awarenessThrottleMs - Date.now(),
    );
    this.awarenessTimer = setTimeout(() => {
      this.awarenessTimer = undefined;
      void this.sendAwareness();
    }, wait);
  }

  private async sendAwareness(): Promise<void> {
    const awareness = this.awareness;
    const signal = this.run?.signal;
    if (!awareness || !signal || !this.awarenessDirty) return;
    this.awarenessDirty = false;
    this.awarenessSending = true;
    let ok = false;
    try {
      const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [awareness.clientID]);
      const response = await this.fetch(this.url("awareness"), {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: new Uint8Array(update),
        signal,
      });
      ok = response.ok;
      await response.body?.cancel();
    } catch {
      // Presence is best effort; the next change or the 15 s renewal sends it again.
    } finally {
      this.awarenessSending = false;
      this.lastAwarenessSent = Date.now();
    }
    if (!ok) {
      this.awarenessDirty = true;
      if (!signal.aborted) {
        await sleep(this.options.retryMaxMs, signal);
      }
    }
    if (this.awarenessDirty) this.scheduleAwareness();
  }

  private refuse(error: Refused): void {
    this.refusedReason = error.reason;
    this.emit("error", [{ code: error.reason, message: error.message, fatal: true }]);
    this.stop();
  }

  private url(endpoint: string, query: Record<string, string | Uint8Array | undefined> = {}) {
    const params = new URLSearchParams({ client: String(this.clientKey) });
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      params.set(key, typeof value === "string" ? value : toBase64UrlEncoded(value));
    }
    return `${this.options.baseUrl}/api/docs/${encodeURIComponent(this.options.docId)}/${endpoint}?${params}`;
  }

  private setStatus(status: HttpSyncStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.emit("status", [{ status }]);
  }

  private setSynced(synced: boolean): void {
    if (this.synced === synced) return;
    this.synced = synced;
    this.emit("synced", [{ state: synced }]);
  }

  private emitUnsynced(): void {
    this.emit("unsyncedChanges", [{ number: this.unsyncedChanges }]);
  }
}

/** Whether an update carries anything: structs, or deletions (which a diff always repeats). */
function hasChanges(update: Uint8Array): boolean {
  const { structs, ds } = Y.decodeUpdate(update);
  return structs.length > 0 || ds.clients.size > 0;
}

/** Turns a non-2xx answer into a Refused (4xx other than 408/429) or a Retryable error. */
async function failureOf(response: Response): Promise<Refused | Retryable> {
  let code = `http-${response.status}`;
  let message = `HTTP ${response.status}`;
  try {
    const body: unknown = await response.json();
    const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    if (typeof error?.code === "string") code = error.code;
    if (typeof error?.message === "string") message = error.message;
  } catch {
    // Not our JSON (a proxy's error page); the status says enough.
  }
  const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
  if (retryable) return new Retryable(message);
  // Named like the socket's close reasons, so callers handle both transports alike.
  const reason =
    response.status === 410 || code === "deleted"
      ? "document-deleted"
      : code === "invalid-document-id"
        ? "invalid-document-name"
        : code;
  return new Refused(reason, message);
}

function streamError(data: string): Error {
  let code = "stream-error";
  let message = data;
  try {
    const parsed = JSON.parse(data) as { code?: unknown; message?: unknown };
    if (typeof parsed.code === "string") code = parsed.code;
    if (typeof parsed.message === "string") message = parsed.message;
  } catch {
    // Keep the raw text as the message.
  }
  return code === "document-deleted" ? new Refused(code, message) : new Retryable(message);
}

function parsePollBody(value: unknown): PollBody {
  const body = value as Partial<Record<keyof PollBody, unknown>> | null;
  const optional = (field: unknown) => field === null || typeof field === "string";
  if (
    typeof body?.cursor !== "string" ||
    typeof body.stateVector !== "string" ||
    !optional(body.update) ||
    !optional(body.awareness)
  ) {
    throw new Retryable("unexpected long-poll answer");
  }
  return body as PollBody;
}

function jitter(ms: number): number {
  return ms / 2 + Math.random() * (ms / 2);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
