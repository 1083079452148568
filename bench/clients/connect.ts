import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { WebSocket } from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { ProviderWebSocket } from "../../server/clients/provider-websocket";
import type { ServerTarget } from "../servers/launch";

/** One real provider client of either protocol, as the scenarios see it. */
export interface BenchClient {
  readonly doc: Y.Doc;
  readonly text: Y.Text;
  /** Resolves once the initial sync with the server completed. */
  synced(): Promise<void>;
  /**
   * Resolves once the server acknowledged every local change. Only the
   * Hocuspocus protocol has acknowledgements; null for y-websocket.
   */
  acknowledged: (() => Promise<void>) | null;
  destroy(): void;
}

export interface ConnectOptions {
  /** Presence on (as an open editor) or off (measures only document traffic). */
  awareness: boolean;
}

/** Connects a HocuspocusProvider or a y-websocket WebsocketProvider, by what the server speaks. */
export function connect(target: ServerTarget, name: string, options: ConnectOptions): BenchClient {
  return target.protocol === "y-websocket"
    ? connectYWebsocket(target, name, options)
    : connectHocuspocus(target, name, options);
}

function connectHocuspocus(
  target: ServerTarget,
  name: string,
  options: ConnectOptions,
): BenchClient {
  const doc = new Y.Doc();
  const socket = new HocuspocusProviderWebsocket({
    url: target.wsUrl,
    WebSocketPolyfill: ProviderWebSocket,
    // A reconnect in the middle of a run would be a failure, not a figure.
    maxAttempts: 1,
  });
  const provider = new HocuspocusProvider({
    websocketProvider: socket,
    name,
    document: doc,
    ...(options.awareness ? {} : { awareness: null }),
  });
  provider.attach();
  return {
    doc,
    text: doc.getText("text"),
    synced: () =>
      waitFor(
        () => provider.isSynced,
        (wake) => provider.on("synced", wake),
      ),
    acknowledged: () =>
      waitFor(
        () => provider.isSynced && provider.unsyncedChanges === 0,
        (wake) => provider.on("unsyncedChanges", wake),
      ),
    destroy() {
      provider.destroy();
      socket.destroy();
      doc.destroy();
    },
  };
}

function connectYWebsocket(
  target: ServerTarget,
  name: string,
  options: ConnectOptions,
): BenchClient {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(target.wsUrl, name, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  if (!options.awareness) provider.awareness.setLocalState(null);
  return {
    doc,
    text: doc.getText("text"),
    synced: () =>
      waitFor(
        () => provider.synced,
        (wake) => provider.on("sync", wake),
      ),
    acknowledged: null,
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}

/** Waits until `done()` holds, re-checking whenever `subscribe`'s event fires. */
function waitFor(done: () => boolean, subscribe: (wake: () => void) => void): Promise<void> {
  if (done()) return Promise.resolve();
  return new Promise((resolve) => {
    let settled = false;
    subscribe(() => {
      if (!settled && done()) {
        settled = true;
        resolve();
      }
    });
  });
}

/** Resolves once `text` reads `expected`, checking after each change. */
export function waitForText(text: Y.Text, expected: string): Promise<void> {
  if (text.length === expected.length && text.toString() === expected) return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (text.length === expected.length && text.toString() === expected) {
        text.unobserve(check);
        resolve();
      }
    };
    text.observe(check);
  });
}
