import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { connectClient, type TestClient, waitAcknowledged, waitSynced } from "../helpers/clients";
import { startTestServer, type TestServer } from "../helpers/tandem";
import { waitUntil } from "../helpers/wait";

describe("plain y-websocket clients on /yjs/<id>", () => {
  let server: TestServer;
  const hocuspocusClients: TestClient[] = [];
  const yClients: WebsocketProvider[] = [];

  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    for (const client of hocuspocusClients.splice(0)) client.destroy();
    for (const provider of yClients.splice(0)) {
      provider.destroy();
      provider.doc.destroy();
    }
    await server.dispose();
  });

  function yClient(room: string): WebsocketProvider {
    const provider = new WebsocketProvider(
      `${server.url.replace("http", "ws")}/yjs`,
      room,
      new Y.Doc(),
      {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        maxBackoffTime: 200,
      },
    );
    yClients.push(provider);
    return provider;
  }

  it("shares live edits and awareness with HocuspocusProvider clients", async () => {
    const hp = connectClient(server.wsUrl, "mixed-doc");
    hocuspocusClients.push(hp);
    await waitSynced(hp);
    hp.text.insert(0, "from hocuspocus. ");
    await waitAcknowledged(hp);

    const yw = yClient("mixed-doc");
    await waitUntil(() => yw.synced, "the y-websocket client to sync");
    expect(yw.doc.getText("text").toString()).toBe("from hocuspocus. ");

    yw.doc.getText("text").insert(yw.doc.getText("text").length, "from y-websocket.");
    await waitUntil(
      () => hp.text.toString() === "from hocuspocus. from y-websocket.",
      "the y-websocket edit to reach the Hocuspocus client",
    );
    hp.doc.getMap("meta").set("title", "Mixed");
    await waitUntil(() => yw.doc.getMap("meta").get("title") === "Mixed", "map change to arrive");

    yw.awareness.setLocalStateField("user", { name: "Yan" });
    hp.provider.awareness?.setLocalStateField("user", { name: "Hope" });
    const names = (states: Map<number, Record<string, unknown>>) =>
      [...states.values()]
        .map((state) => (state.user as { name?: string } | undefined)?.name)
        .sort();
    await waitUntil(
      () => names(hp.provider.awareness?.getStates() ?? new Map()).join() === "Hope,Yan",
      "the Hocuspocus client to see both users",
    );
    await waitUntil(
      () => names(yw.awareness.getStates()).join() === "Hope,Yan",
      "the y-websocket client to see both users",
    );
  });

  it("makes y-websocket edits durable: they are in storage once the server has them", async () => {
    const yw = yClient("y-durable");
    await waitUntil(() => yw.synced, "sync");
    yw.doc.getText("text").insert(0, "stored");
    await waitUntil(
      async () =>
        (await server.documents.read("y-durable", (doc) => doc.getText("text").toString())) ===
        "stored",
      "the edit to reach the server",
    );
    const stored = await server.storage.log.load("y-durable");
    const copy = new Y.Doc();
    for (const update of stored?.updates ?? []) Y.applyUpdate(copy, update);
    expect(copy.getText("text").toString()).toBe("stored");
  });

  it("refuses invalid names with a permanent close code", async () => {
    const yw = yClient("bad!name");
    const codes: number[] = [];
    yw.on("connection-close", (event) => {
      if (event) codes.push(event.code);
    });
    await waitUntil(() => codes.length > 0, "the refusal");
    expect(codes[0]).toBe(4403);
    // y-websocket stops reconnecting after a 44xx close: retrying cannot fix a refusal.
    expect(yw.shouldConnect).toBe(false);
  });
});
