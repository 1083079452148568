import type { Awareness } from "y-protocols/awareness";
import type * as Y from "yjs";
import type { FallbackTransport } from "../session";
import { HttpSyncTransport } from "./http-sync-transport";

/** Adapts the HTTP sync transport to what the session needs of its fallback: a mode, acknowledgements and refusals. */
export function createHttpSyncFallback(options: {
  baseUrl: string;
  docId: string;
  doc: Y.Doc;
  awareness: Awareness;
  /** Updates the WebSocket provider received: the server has them, so they are not posted back. */
  ignoreOrigin: (origin: unknown) => boolean;
}): FallbackTransport {
  const transport = new HttpSyncTransport(options);
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  transport.on("status", notify);
  transport.on("synced", notify);
  transport.on("unsyncedChanges", notify);
  transport.on("mode", notify);
  transport.on("error", notify);
  return {
    start: () => transport.start(),
    stop: () => transport.stop(),
    get activeMode() {
      return transport.status === "connected" ? transport.mode : null;
    },
    get synced() {
      return transport.synced;
    },
    get unsyncedChanges() {
      return transport.unsyncedChanges;
    },
    get refusedReason() {
      return transport.refusedReason;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    destroy() {
      listeners.clear();
      transport.destroy();
    },
  };
}
