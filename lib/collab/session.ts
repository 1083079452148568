import {
  HocuspocusProvider,
  HocuspocusProviderWebsocket,
  type onAuthenticationFailedParameters,
  type onStatusParameters,
  WebSocketStatus,
} from "@hocuspocus/provider";
import { IndexeddbPersistence } from "y-indexeddb";
import { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";
import { DEFAULT_TITLE, normalizeTitle } from "../documents/title";
import { YJS_META_MAP } from "../editor-extensions";
import { Refusal } from "../protocol/refusals";
import type { Identity } from "./identity";

/**
 * One open document in the browser: the Y.Doc the editor is bound to, the
 * awareness shared by carets and the presence bar, and every way the document
 * reaches the server. Components read a plain snapshot of it and never touch
 * the network themselves (ARCHITECTURE.md: components hold no networking).
 *
 * Data flow: the server-rendered state is applied first (so the editor's
 * first render already has the text), IndexedDB merges whatever this browser
 * kept from earlier (including offline edits), then the WebSocket provider
 * syncs. When the socket cannot get to a synced state in time, an HTTP
 * transport (POST + Server-Sent Events or long-polling) takes over until the
 * socket recovers; Yjs makes running both at once harmless.
 */

export type ConnectionState = "connecting" | "live" | "offline" | "reconnecting";
export type TransportKind = "websocket" | "http-stream" | "http-poll" | "none";

export interface Peer {
  clientId: number;
  name: string;
  color: string;
  self: boolean;
}

export interface SessionSnapshot {
  connection: ConnectionState;
  transport: TransportKind;
  /** Local changes the server has not acknowledged as durable yet. */
  unsyncedChanges: number;
  /** True once this browser's IndexedDB copy is loaded (offline edits are kept there). */
  savedLocally: boolean;
  peers: Peer[];
  title: string;
  /** Set when the server refused the document for good, e.g. "document-deleted". */
  refusedReason: string | null;
}

/** The transport the session falls back to when the socket cannot sync: HTTP sync (lib/collab/http/http-sync-fallback.ts). */
export interface FallbackTransport {
  start(): void;
  stop(): void;
  /** Which HTTP mode is delivering updates right now, or null while not connected. */
  readonly activeMode: "sse" | "poll" | null;
  readonly synced: boolean;
  readonly unsyncedChanges: number;
  /** Set when the server answered that the document is gone (404/410). */
  readonly refusedReason: string | null;
  /** Registers a listener for any state change; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  destroy(): void;
}

export interface SessionOptions {
  docId: string;
  /** Page origin, e.g. "http://localhost:3000". */
  origin: string;
  identity: Identity;
  /** Encoded Yjs state fetched by the server for first paint; applied before anything connects. */
  initialState?: Uint8Array;
  initialTitle?: string;
  /** How long the socket may take to reach a synced state before HTTP takes over. */
  fallbackAfterMs?: number;
  /** `fromSocket` tells which updates arrived over the WebSocket, so HTTP does not post them back. */
  createFallback?: (
    doc: Y.Doc,
    awareness: Awareness,
    fromSocket: (origin: unknown) => boolean,
  ) => FallbackTransport;
  /** Disabled in environments without IndexedDB. */
  offlineStore?: boolean;
}

/** Origin of the server-rendered state, so nothing treats it as a local edit. */
export const INITIAL_STATE_ORIGIN = Symbol("tandem-initial-state");

const DEFAULT_FALLBACK_AFTER_MS = 4000;

export class CollabSession {
  readonly doc = new Y.Doc();
  readonly awareness: Awareness;
  readonly docId: string;
  private readonly provider: HocuspocusProvider;
  private readonly socket: HocuspocusProviderWebsocket;
  private readonly offline: IndexeddbPersistence | null;
  private readonly fallback: FallbackTransport | null;
  private readonly fallbackAfterMs: number;
  private readonly listeners = new Set<() => void>();
  private readonly cleanups: Array<() => void> = [];
  private fallbackTimer: ReturnType<typeof setTimeout> | undefined;
  private fallbackRunning = false;
  private everLive = false;
  private socketStatus: WebSocketStatus = WebSocketStatus.Connecting;
  private refusedReason: string | null = null;
  private snapshot: SessionSnapshot;
  private destroyed = false;
  /** The title from the document list, shown until the shared map carries one. */
  private fallbackTitle = DEFAULT_TITLE;

  constructor(options: SessionOptions) {
    this.docId = options.docId;
    this.fallbackAfterMs = options.fallbackAfterMs ?? DEFAULT_FALLBACK_AFTER_MS;
    if (options.initialState && options.initialState.byteLength > 0) {
      Y.applyUpdate(this.doc, options.initialState, INITIAL_STATE_ORIGIN);
    }
    this.awareness = new Awareness(this.doc);
    this.awareness.setLocalStateField("user", options.identity);

    const meta = this.doc.getMap<string>(YJS_META_MAP);
    if (options.initialTitle) this.fallbackTitle = options.initialTitle;

    this.offline =
      options.offlineStore === false || typeof indexedDB === "undefined"
        ? null
        : new IndexeddbPersistence(`tandem:${options.docId}`, this.doc);

    this.socket = new HocuspocusProviderWebsocket({
      url: `${options.origin.replace(/^http/, "ws")}/collab`,
      // Reconnect quickly at first, then back off to at most 10 s with jitter so a
      // restarted server is not hit by every client at the same instant.
      delay: 500,
      minDelay: 500,
      factor: 1.6,
      maxDelay: 10_000,
      jitter: true,
    });
    this.provider = new HocuspocusProvider({
      websocketProvider: this.socket,
      name: options.docId,
      document: this.doc,
      awareness: this.awareness,
    });
    this.provider.attach();

    this.fallback =
      options.createFallback?.(this.doc, this.awareness, (origin) => origin === this.provider) ??
      null;
    if (this.fallback) this.cleanups.push(this.fallback.subscribe(() => this.refresh()));

    this.wireProvider();
    this.wireBrowserEvents();
    const onAwareness = () => this.refresh();
    this.awareness.on("change", onAwareness);
    this.cleanups.push(() => this.awareness.off("change", onAwareness));
    const onMeta = () => this.refresh();
    meta.observe(onMeta);
    this.cleanups.push(() => meta.unobserve(onMeta));
    if (this.offline) {
      const onSynced = () => this.refresh();
      this.offline.on("synced", onSynced);
    }

    this.snapshot = this.computeSnapshot();
    this.armFallback();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): SessionSnapshot => this.snapshot;

  setIdentity(identity: Identity): void {
    this.awareness.setLocalStateField("user", identity);
  }

  /** Renames the document for everyone; the server stores the title from the shared map. */
  setTitle(title: string): void {
    const clean = normalizeTitle(title);
    const meta = this.doc.getMap<string>(YJS_META_MAP);
    if (meta.get("title") !== clean) meta.set("title", clean);
  }

  /** Drops the socket and reconnects now instead of waiting out the backoff. */
  reconnect(): void {
    if (this.destroyed || this.refusedReason) return;
    this.socket.disconnect();
    void this.socket.connect();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearTimeout(this.fallbackTimer);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.fallback?.destroy();
    this.provider.destroy();
    this.socket.destroy();
    void this.offline?.destroy();
    this.awareness.destroy();
    this.doc.destroy();
    this.listeners.clear();
  }

  private wireProvider(): void {
    const onStatus = ({ status }: onStatusParameters) => {
      this.socketStatus = status;
      if (status !== WebSocketStatus.Connected) this.armFallback();
      this.refresh();
    };
    const onSynced = () => {
      if (this.provider.isSynced) {
        this.everLive = true;
        this.stopFallback();
      } else {
        this.armFallback();
      }
      this.refresh();
    };
    const onUnsynced = () => this.refresh();
    const onRefused = ({ reason }: onAuthenticationFailedParameters) => this.refuse(reason);
    this.provider.on("status", onStatus);
    this.provider.on("synced", onSynced);
    this.provider.on("unsyncedChanges", onUnsynced);
    this.provider.on("authenticationFailed", onRefused);
    this.cleanups.push(() => {
      this.provider.off("status", onStatus);
      this.provider.off("synced", onSynced);
      this.provider.off("unsyncedChanges", onUnsynced);
      this.provider.off("authenticationFailed", onRefused);
    });
  }

  private wireBrowserEvents(): void {
    if (typeof window === "undefined") return;
    const onOnline = () => {
      // The backoff may be at its 10 s ceiling after a long outage; retry at once.
      this.reconnect();
      this.refresh();
    };
    const onOffline = () => {
      // A socket that looks open while the machine has no network only swallows
      // edits; closing it makes the provider count them as unsynced and resend
      // them through a fresh sync when the network returns.
      this.socket.disconnect();
      this.stopFallback();
      this.refresh();
    };
    window.addEventListener("online", onOnline);
    window.addEventListener("offline", onOffline);
    this.cleanups.push(() => {
      window.removeEventListener("online", onOnline);
      window.removeEventListener("offline", onOffline);
    });
  }

  private refuse(reason: string): void {
    this.refusedReason = reason || "refused";
    this.stopFallback();
    clearTimeout(this.fallbackTimer);
    this.socket.disconnect();
    // A deleted document must not come back from this browser's offline copy.
    if (this.refusedReason === Refusal.DocumentDeleted) void this.offline?.clearData();
    this.refresh();
  }

  /** Starts the HTTP transport unless the socket reaches a synced state within the grace period. */
  private armFallback(): void {
    if (!this.fallback || this.fallbackRunning || this.fallbackTimer || this.refusedReason) return;
    if (!isOnline()) return;
    this.fallbackTimer = setTimeout(() => {
      this.fallbackTimer = undefined;
      if (this.destroyed || this.refusedReason || this.provider.isSynced || !isOnline()) return;
      this.fallbackRunning = true;
      this.fallback?.start();
      this.refresh();
    }, this.fallbackAfterMs);
  }

  private stopFallback(): void {
    clearTimeout(this.fallbackTimer);
    this.fallbackTimer = undefined;
    if (!this.fallbackRunning) return;
    this.fallbackRunning = false;
    this.fallback?.stop();
  }

  private refresh(): void {
    if (this.destroyed) return;
    if (this.fallback?.refusedReason && !this.refusedReason) {
      this.refuse(this.fallback.refusedReason);
      return;
    }
    const next = this.computeSnapshot();
    if (sameSnapshot(next, this.snapshot)) return;
    this.snapshot = next;
    for (const listener of this.listeners) listener();
  }

  private computeSnapshot(): SessionSnapshot {
    const socketLive = this.socketStatus === WebSocketStatus.Connected && this.provider.isSynced;
    const httpMode =
      this.fallbackRunning && this.fallback?.synced ? this.fallback.activeMode : null;
    let connection: ConnectionState;
    if (!isOnline()) connection = "offline";
    else if (socketLive || httpMode) connection = "live";
    else connection = this.everLive ? "reconnecting" : "connecting";
    if (socketLive || httpMode) this.everLive = true;

    const transport: TransportKind = socketLive
      ? "websocket"
      : httpMode === "sse"
        ? "http-stream"
        : httpMode === "poll"
          ? "http-poll"
          : "none";

    // While HTTP carries the edits, its own acknowledgements are the ones that count.
    const unsyncedChanges =
      transport === "websocket" || !this.fallbackRunning
        ? this.provider.unsyncedChanges
        : (this.fallback?.unsyncedChanges ?? 0);

    const title = this.doc.getMap<string>(YJS_META_MAP).get("title") ?? this.fallbackTitle;
    return {
      connection,
      transport,
      unsyncedChanges,
      savedLocally: this.offline?.synced ?? false,
      peers: this.peers(),
      title,
      refusedReason: this.refusedReason,
    };
  }

  private peers(): Peer[] {
    const peers: Peer[] = [];
    for (const [clientId, state] of this.awareness.getStates()) {
      const user = (state as { user?: Partial<Identity> }).user;
      if (!user || typeof user.name !== "string") continue;
      peers.push({
        clientId,
        name: user.name,
        color: typeof user.color === "string" ? user.color : "#59636e",
        self: clientId === this.doc.clientID,
      });
    }
    return peers.sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name));
  }
}

/** `navigator.onLine === false` is reliable (no network at all); `true` only means "maybe". */
function isOnline(): boolean {
  return typeof navigator === "undefined" || navigator.onLine !== false;
}

function sameSnapshot(a: SessionSnapshot, b: SessionSnapshot): boolean {
  return (
    a.connection === b.connection &&
    a.transport === b.transport &&
    a.unsyncedChanges === b.unsyncedChanges &&
    a.savedLocally === b.savedLocally &&
    a.title === b.title &&
    a.refusedReason === b.refusedReason &&
    a.peers.length === b.peers.length &&
    a.peers.every((peer, index) => {
      const other = b.peers[index];
      return (
        other !== undefined &&
        peer.clientId === other.clientId &&
        peer.name === other.name &&
        peer.color === other.color
      );
    })
  );
}
