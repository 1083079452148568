import { createServer, type Server, type Socket } from "node:net";
import { HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { ProviderWebSocket } from "@/server/clients/provider-websocket";
import { waitUntil } from "../../helpers/wait";

describe("ProviderWebSocket: a provider reconnecting mid-handshake", () => {
  let server: Server | undefined;
  const held: Socket[] = [];
  afterEach(async () => {
    for (const socket of held.splice(0)) socket.destroy();
    await new Promise((resolve) => server?.close(resolve));
  });

  it("does not end the process when the opening socket is dropped", async () => {
    // Accepts TCP but never answers the upgrade, so every socket stays CONNECTING.
    server = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on("uncaughtException", onUncaught);
    const sockets: ProviderWebSocket[] = [];
    class TrackedWebSocket extends ProviderWebSocket {
      constructor(...args: ConstructorParameters<typeof ProviderWebSocket>) {
        super(...args);
        sockets.push(this);
      }
    }
    const provider = new HocuspocusProviderWebsocket({
      url: `ws://127.0.0.1:${port}`,
      WebSocketPolyfill: TrackedWebSocket,
      maxAttempts: 0,
    });
    try {
      await waitUntil(() => held.length === 1, "the first socket to be opening");
      // The converge CLI's goOnline does this while a reconnection is under way.
      void provider.connect();
      await waitUntil(() => held.length === 2, "the second socket to be opening");
      // `ws` reports the aborted handshake with "error" and then "close": the first socket
      // reaching CLOSED means the error was emitted and handled; an uncaught one stops it short.
      await waitUntil(
        () => sockets[0]?.readyState === WebSocket.CLOSED || uncaught.length > 0,
        "the first socket's aborted handshake to be reported",
      );
      expect(uncaught).toEqual([]);
      expect(sockets[0]?.readyState).toBe(WebSocket.CLOSED);
    } finally {
      process.off("uncaughtException", onUncaught);
      provider.destroy();
    }
  });
});
