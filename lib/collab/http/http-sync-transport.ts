/**
 * Live sync over plain HTTP, for editors whose WebSocket cannot connect
 * (usually a proxy that refuses the upgrade). Local updates are POSTed in
 * order and count as unsynced until the server answers, which it does only
 * once they are durable (outbox.ts). Everyone else's updates and presence
 * arrive over a Server-Sent Events stream (event-stream-channel.ts), or by
 * long-polling (long-poll-channel.ts) where a proxy cuts or buffers the
 * stream. The wire format is lib/protocol/http-sync.ts.
 *
 * This class composes those pieces: the reconnect loop, the downgrade from
 * event streams to long-polling, and the status/synced/mode events.
 * Isomorphic (browser and Node).
 */
import { ObservableV2 } from "lib0/observable";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import { HttpSyncEndpoint, type HttpSyncEndpointName, MAX_POLL_MS } from "../../protocol/http-sync";
import { AwarenessSender } from "./awareness-sender";
import { Backoff } from "./backoff";
import type { ChannelEnd, ChannelSink } from "./channel";
import { runEventStream } from "./event-stream-channel";
import { isFinal, type Refused, type Rejected } from "./failures";
import { runLongPoll } from "./long-poll-channel";
import { Outbox } from "./outbox";
import { type FetchLike, type SyncQuery, syncUrl } from "./sync-url";

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

export class HttpSyncTransport extends ObservableV2<HttpSyncTransportEvents> {
  readonly doc: Y.Doc;
  readonly awareness: awarenessProtocol.Awareness | undefined;
  status: HttpSyncStatus = "disconnected";
  mode: HttpSyncMode;
  synced = false;
  /**
   * Set when the server refused the document for good; the transport stays
   * stopped. A refusal name of lib/protocol/refusals.ts ("document-deleted",
   * "forbidden", ...), or the code of another final 4xx answer.
   */
  refusedReason: string | null = null;

  private readonly options: Required<
    Omit<HttpSyncTransportOptions, "awareness" | "doc" | "mode" | "fetch" | "ignoreOrigin">
  >;
  private readonly fetch: FetchLike;
  private readonly ignoreOrigin: (origin: unknown) => boolean;
  private readonly outbox: Outbox;
  private readonly presence: AwarenessSender | undefined;
  private run: AbortController | null = null;
  private sseFailures = 0;
  private clientKey = 0;

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
      pollTimeoutMs: options.pollTimeoutMs ?? MAX_POLL_MS,
      retryMinMs: options.retryMinMs ?? 250,
      retryMaxMs: options.retryMaxMs ?? 10_000,
      sseFailuresBeforePoll: options.sseFailuresBeforePoll ?? 3,
      sseSyncTimeoutMs: options.sseSyncTimeoutMs ?? 10_000,
      sseIdleTimeoutMs: options.sseIdleTimeoutMs ?? 45_000,
      maxBatchBytes: options.maxBatchBytes ?? 1024 * 1024,
    };
    this.outbox = new Outbox({
      doc: this.doc,
      fetch: this.fetch,
      url: () => this.url(HttpSyncEndpoint.Updates),
      maxBatchBytes: this.options.maxBatchBytes,
      retryMinMs: this.options.retryMinMs,
      retryMaxMs: this.options.retryMaxMs,
      onChange: () => this.emitUnsynced(),
      onDropped: (failure) =>
        this.emit("error", [{ code: failure.reason, message: failure.message, fatal: false }]),
      onRefused: (failure) => this.refuse(failure),
    });
    this.presence =
      this.awareness &&
      new AwarenessSender({
        awareness: this.awareness,
        fetch: this.fetch,
        url: () => this.url(HttpSyncEndpoint.Awareness),
        throttleMs: this.options.awarenessThrottleMs,
        retryMs: this.options.retryMaxMs,
        remoteOrigin: this,
      });
  }

  /** Local changes not yet acknowledged as durable by the server. */
  get unsyncedChanges(): number {
    return this.outbox.unsyncedChanges;
  }

  start(): void {
    if (this.run || this.refusedReason) return;
    const run = new AbortController();
    this.run = run;
    this.clientKey = this.awareness?.clientID ?? this.doc.clientID;
    this.doc.on("update", this.onDocUpdate);
    this.doc.on("destroy", this.onDocDestroy);
    this.presence?.attach();
    void this.receive(run.signal);
  }

  /** Stops syncing. Unacknowledged changes stay in the document and are sent on the next start(). */
  stop(): void {
    const run = this.run;
    if (!run) return;
    this.run = null;
    run.abort();
    this.outbox.close();
    this.doc.off("update", this.onDocUpdate);
    this.doc.off("destroy", this.onDocDestroy);
    this.presence?.detach();
    const awareness = this.awareness;
    if (awareness) {
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
    this.outbox.push(update);
  };

  private readonly onDocDestroy = () => this.stop();

  /** What the receiving channels deliver: applied with this transport as the origin. */
  private readonly sink: ChannelSink = {
    update: (update) => Y.applyUpdate(this.doc, update, this),
    awareness: (update) => {
      if (this.awareness) awarenessProtocol.applyAwarenessUpdate(this.awareness, update, this);
    },
    synced: (stateVector) => this.onServerState(stateVector),
  };

  /** Keeps one receiving channel open, reconnecting with backoff, until stopped or refused. */
  private async receive(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.options.retryMinMs, this.options.retryMaxMs);
    while (!signal.aborted) {
      this.setStatus("connecting");
      const end = this.mode === "sse" ? await this.stream(signal) : await this.poll(signal);
      if (isFinal(end.error)) {
        this.refuse(end.error);
        return;
      }
      if (end.delivered) backoff.reset();
      if (signal.aborted) return;
      this.setSynced(false);
      this.setStatus("disconnected");
      if (this.mode === "sse") {
        // A stream that went silent (heartbeats held back) is as useless as one that never opened.
        const worked = end.delivered && !end.stalled;
        this.sseFailures = worked ? 0 : this.sseFailures + 1;
        if (this.sseFailures >= this.options.sseFailuresBeforePoll) {
          this.mode = "poll";
          this.emit("mode", [{ mode: "poll" }]);
          continue;
        }
      }
      await backoff.wait(signal);
    }
  }

  private stream(signal: AbortSignal): Promise<ChannelEnd> {
    return runEventStream({
      fetch: this.fetch,
      url: this.url(HttpSyncEndpoint.Events, { sv: Y.encodeStateVector(this.doc) }),
      sink: this.sink,
      signal,
      syncTimeoutMs: this.options.sseSyncTimeoutMs,
      idleTimeoutMs: this.options.sseIdleTimeoutMs,
    });
  }

  private poll(signal: AbortSignal): Promise<ChannelEnd> {
    return runLongPoll({
      fetch: this.fetch,
      url: (since) =>
        this.url(HttpSyncEndpoint.Poll, {
          sv: Y.encodeStateVector(this.doc),
          timeout: String(this.options.pollTimeoutMs),
          since,
        }),
      sink: this.sink,
      signal,
      requestTimeoutMs: this.options.pollTimeoutMs + this.options.sseIdleTimeoutMs,
    });
  }

  /** The server's state is applied: everything it lacks is queued, and posting may begin. */
  private onServerState(serverStateVector: Uint8Array): void {
    this.outbox.replaceByServerDiff(serverStateVector);
    this.setSynced(true);
    this.setStatus("connected");
    this.emitUnsynced();
    const signal = this.run?.signal;
    if (!signal) return;
    this.outbox.open(signal);
    this.presence?.open(signal);
  }

  private refuse(failure: Refused | Rejected): void {
    this.refusedReason = failure.reason;
    this.emit("error", [{ code: failure.reason, message: failure.message, fatal: true }]);
    this.stop();
  }

  private url(endpoint: HttpSyncEndpointName, query?: SyncQuery): string {
    const target = {
      baseUrl: this.options.baseUrl,
      docId: this.options.docId,
      client: this.clientKey,
    };
    return syncUrl(target, endpoint, query);
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
