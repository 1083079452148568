import { createServer, type Server, type Socket } from "node:net";
import { HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { afterEach, describe, expect, it } from "vitest";
import { ProviderWebSocket } from "@/server/cli/converge/provider-websocket";
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
    const provider = new HocuspocusProviderWebsocket({
      url: `ws://127.0.0.1:${port}`,
      WebSocketPolyfill: ProviderWebSocket,
      maxAttempts: 0,
    });
    try {
      await waitUntil(() => held.length === 1, "the first socket to be opening");
      // The converge CLI's goOnline does this while a reconnection is under way.
      void provider.connect();
      await waitUntil(() => held.length === 2, "the second socket to be opening");
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", onUncaught);
      provider.destroy();
    }
  });
});
