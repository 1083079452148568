import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import * as Y from "yjs";
import { ProviderWebSocket } from "@/server/clients/provider-websocket";
import { waitUntil } from "./wait";

export interface TestClient {
  doc: Y.Doc;
  provider: HocuspocusProvider;
  socket: HocuspocusProviderWebsocket;
  text: Y.Text;
  destroy(): void;
}

/** A real HocuspocusProvider in Node over `ws`, editing the Y.Text "text" of `name`. */
export function connectClient(
  wsUrl: string,
  name: string,
  options: { doc?: Y.Doc; token?: string } = {},
): TestClient {
  const doc = options.doc ?? new Y.Doc();
  const socket = new HocuspocusProviderWebsocket({
    url: wsUrl,
    WebSocketPolyfill: ProviderWebSocket,
    // Tests close servers on purpose; retry quickly instead of backing off for seconds.
    delay: 50,
    maxDelay: 200,
    minDelay: 50,
  });
  const provider = new HocuspocusProvider({
    websocketProvider: socket,
    name,
    document: doc,
    token: options.token ?? null,
  });
  provider.attach();
  return {
    doc,
    provider,
    socket,
    text: doc.getText("text"),
    destroy() {
      provider.destroy();
      socket.destroy();
      doc.destroy();
    },
  };
}

export async function waitSynced(client: TestClient, what = "client to sync"): Promise<void> {
  await waitUntil(() => client.provider.isSynced, what);
}

/** Acknowledged: the server confirmed every local change (the durability rule's promise). */
export async function waitAcknowledged(client: TestClient): Promise<void> {
  await waitUntil(
    () => client.provider.isSynced && client.provider.unsyncedChanges === 0,
    "every change to be acknowledged",
  );
}

export async function waitConverged(clients: TestClient[], timeoutMs = 30_000): Promise<void> {
  await waitUntil(
    () => {
      const first = clients[0];
      if (!first) return true;
      const expected = Y.encodeStateVector(first.doc).toString();
      const text = first.text.toString();
      return clients.every(
        (client) =>
          client.provider.unsyncedChanges === 0 &&
          client.text.toString() === text &&
          Y.encodeStateVector(client.doc).toString() === expected,
      );
    },
    `${clients.length} clients to converge`,
    timeoutMs,
  );
}
