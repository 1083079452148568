import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { WebSocket } from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { ProviderWebSocket } from "../../clients/provider-websocket";
import type { Rng } from "./rng";

export type ClientKind = "hocuspocus" | "y-websocket";

export const PROBE_MAP = "converge-probe";

const WORDS = [
  "tandem",
  "crdt",
  "sync",
  "merge",
  "offline",
  "caret",
  "yjs",
  "level",
  "ack",
  "vector",
];

/**
 * One simulated user: a Y.Doc synced by a real provider through its own proxy.
 * Tracks what the server acknowledged (HocuspocusProvider only: y-websocket
 * has no acknowledgements) and when other replicas' probes arrive.
 */
export class Replica {
  readonly doc = new Y.Doc();
  ops = 0;
  offline = false;
  /** This replica's own clock the server has confirmed (sync-status); 0 when unknown. */
  acknowledgedClock = 0;
  readonly latencies: number[] = [];
  private readonly hocuspocus?: {
    provider: HocuspocusProvider;
    socket: HocuspocusProviderWebsocket;
  };
  private readonly yws?: WebsocketProvider;

  constructor(
    readonly name: string,
    readonly kind: ClientKind,
    readonly documentName: string,
    baseUrl: string,
    paths: { collab: string; yjs: string },
  ) {
    if (kind === "hocuspocus") {
      const socket = new HocuspocusProviderWebsocket({
        url: `${baseUrl}${paths.collab}`,
        WebSocketPolyfill: ProviderWebSocket,
        delay: 100,
        minDelay: 50,
        maxDelay: 1000,
        maxAttempts: 0,
      });
      const provider = new HocuspocusProvider({
        websocketProvider: socket,
        name: documentName,
        document: this.doc,
      });
      provider.attach();
      provider.on("unsyncedChanges", ({ number }: { number: number }) => {
        // Zero unsynced changes: everything this replica made so far was acknowledged.
        if (number === 0 && provider.isSynced)
          this.acknowledgedClock = Y.getState(this.doc.store, this.doc.clientID);
      });
      provider.on("synced", () => {
        if (provider.unsyncedChanges === 0)
          this.acknowledgedClock = Y.getState(this.doc.store, this.doc.clientID);
      });
      this.hocuspocus = { provider, socket };
    } else {
      this.yws = new WebsocketProvider(`${baseUrl}${paths.yjs}`, documentName, this.doc, {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        maxBackoffTime: 1000,
        disableBc: true,
      });
    }
    this.doc.getMap<number>(PROBE_MAP).observe((event) => {
      if (event.transaction.local) return;
      const now = Date.now();
      for (const key of event.keysChanged) {
        const sentAt = this.doc.getMap<number>(PROBE_MAP).get(key);
        if (typeof sentAt === "number" && key !== this.name) this.latencies.push(now - sentAt);
      }
    });
  }

  get synced(): boolean {
    if (this.hocuspocus)
      return this.hocuspocus.provider.isSynced && this.hocuspocus.provider.unsyncedChanges === 0;
    return this.yws?.synced === true && this.yws.wsconnected;
  }

  get clientId(): number {
    return this.doc.clientID;
  }

  /** Goes offline on purpose (the app's own disconnect, not a network failure). */
  goOffline(): void {
    this.offline = true;
    if (this.hocuspocus) this.hocuspocus.socket.disconnect();
    else this.yws?.disconnect();
  }

  goOnline(): void {
    this.offline = false;
    if (this.hocuspocus) void this.hocuspocus.socket.connect();
    else this.yws?.connect();
  }

  /** One random edit from the mix: text, formatting, map, array, large paste, and a latency probe. */
  edit(rng: Rng): string {
    this.ops += 1;
    const text = this.doc.getText("text");
    const roll = rng.next();
    let kind: string;
    this.doc.transact(() => {
      if (roll < 0.5 || text.length === 0) {
        kind = "insert";
        text.insert(rng.int(text.length + 1), `${rng.pick(WORDS)} `);
      } else if (roll < 0.7) {
        kind = "delete";
        const at = rng.int(text.length);
        text.delete(at, Math.min(1 + rng.int(8), text.length - at));
      } else if (roll < 0.77) {
        kind = "format";
        const at = rng.int(text.length);
        text.format(at, Math.min(1 + rng.int(20), text.length - at), {
          bold: rng.chance(0.5) ? true : null,
        });
      } else if (roll < 0.85) {
        kind = "map";
        this.doc.getMap("settings").set(`key-${rng.int(20)}`, rng.int(1000));
      } else if (roll < 0.93) {
        kind = "array";
        const list = this.doc.getArray<string>("list");
        if (list.length > 0 && rng.chance(0.3)) list.delete(rng.int(list.length), 1);
        else list.insert(rng.int(list.length + 1), [`${this.name}-${this.ops}`]);
      } else if (roll < 0.95) {
        kind = "paste";
        text.insert(rng.int(text.length + 1), `${"lorem ipsum ".repeat(200 + rng.int(800))}\n`);
      } else {
        kind = "probe";
      }
      this.doc.getMap<number>(PROBE_MAP).set(this.name, Date.now());
    });
    return kind!;
  }

  destroy(): void {
    if (this.hocuspocus) {
      this.hocuspocus.provider.destroy();
      this.hocuspocus.socket.destroy();
    }
    this.yws?.destroy();
    this.doc.destroy();
  }
}

/** Loads the document from the server with a fresh provider (no local state) and returns its Y.Doc. */
export async function loadFresh(
  baseUrl: string,
  collabPath: string,
  documentName: string,
  timeoutMs: number,
): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const socket = new HocuspocusProviderWebsocket({
    url: `${baseUrl}${collabPath}`,
    WebSocketPolyfill: ProviderWebSocket,
    delay: 100,
    minDelay: 50,
    maxDelay: 500,
  });
  const provider = new HocuspocusProvider({
    websocketProvider: socket,
    name: documentName,
    document: doc,
  });
  provider.attach();
  try {
    const deadline = Date.now() + timeoutMs;
    while (!provider.isSynced) {
      if (Date.now() > deadline)
        throw new Error(`could not load ${documentName} from the server within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    return copy;
  } finally {
    provider.destroy();
    socket.destroy();
    doc.destroy();
  }
}
