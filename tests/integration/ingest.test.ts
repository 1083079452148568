import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { STORAGE_ORIGIN } from "@/server/sync/origins";
import { connectClient, type TestClient, waitAcknowledged, waitSynced } from "../helpers/clients";
import { countingStorage } from "../helpers/storage";
import { startTestServer, type TestServer } from "../helpers/tandem";
import { waitUntil } from "../helpers/wait";

function insertUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText("text").insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

async function storedText(server: TestServer, id: string): Promise<string> {
  const stored = await server.storage.log.load(id);
  const doc = new Y.Doc();
  for (const update of stored?.updates ?? []) Y.applyUpdate(doc, update);
  return doc.getText("text").toString();
}

describe("one ingest path", () => {
  let server: TestServer | undefined;
  const clients: TestClient[] = [];
  const yClients: WebsocketProvider[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    for (const provider of yClients.splice(0)) {
      provider.destroy();
      provider.doc.destroy();
    }
    await server?.dispose();
    server = undefined;
  });

  it("appends each update exactly once, whichever way it came in", async () => {
    const counted = countingStorage();
    server = await startTestServer({}, { storage: counted.storage });
    const id = "one-way-in";

    const socket = connectClient(server.wsUrl, id);
    clients.push(socket);
    await waitSynced(socket);
    const before = counted.appends(id);
    socket.text.insert(0, "socket. ");
    await waitAcknowledged(socket);
    expect(counted.appends(id)).toBe(before + 1);

    const response = await fetch(`${server.url}/api/docs/${id}/updates`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: new Uint8Array(insertUpdate("http. ")),
    });
    expect(response.status).toBe(200);
    expect(counted.appends(id)).toBe(before + 2);

    const yw = new WebsocketProvider(`${server.url.replace("http", "ws")}/yjs`, id, new Y.Doc(), {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    });
    yClients.push(yw);
    await waitUntil(() => yw.synced, "the y-websocket client to sync");
    yw.doc.getText("text").insert(0, "y-websocket. ");
    await waitUntil(
      () => counted.appends(id) === before + 3,
      "the y-websocket update to be stored",
    );

    await waitUntil(() => socket.text.length === "socket. http. y-websocket. ".length, "all edits");
    // Nothing else was appended meanwhile (no echo, no second copy from a hook).
    expect(counted.appends(id)).toBe(before + 3);
  });

  it("applies and broadcasts updates from storage and from peers, but never appends them", async () => {
    const counted = countingStorage();
    server = await startTestServer({}, { storage: counted.storage });
    const id = "not-again";
    const client = connectClient(server.wsUrl, id);
    clients.push(client);
    await waitSynced(client);
    client.text.insert(0, "base.");
    await waitAcknowledged(client);
    const document = server.hocuspocus.documents.get(id);
    if (!document) throw new Error("document not loaded");
    const appended = counted.appends(id);

    const origins: Array<[string, unknown]> = [
      ["redis peer", { source: "redis" }],
      ["peer", { source: "local", ingest: "peer", skipStoreHooks: true }],
      ["storage", STORAGE_ORIGIN],
    ];
    for (const [name, origin] of origins) {
      const doc = new Y.Doc();
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(document));
      doc.getText("text").insert(doc.getText("text").length, ` ${name}.`);
      Y.applyUpdate(document, Y.encodeStateAsUpdate(doc, Y.encodeStateVector(document)), origin);
      await waitUntil(() => client.text.toString().endsWith(` ${name}.`), `the ${name} change`);
    }
    // A later client update is stored as usual: it proves the hooks ran meanwhile.
    client.text.insert(0, "!");
    await waitAcknowledged(client);
    expect(counted.appends(id)).toBe(appended + 1);

    // Unloading and loading again replays the log without appending any of it.
    client.destroy();
    clients.length = 0;
    await waitUntil(() => !server!.hocuspocus.documents.has(id), "the document to unload");
    const reader = connectClient(server.wsUrl, id);
    clients.push(reader);
    await waitSynced(reader);
    expect(reader.text.toString()).toBe("!base.");
    expect(counted.appends(id)).toBe(appended + 1);
  });

  it("stores a change made around the ingest path once rather than losing it", async () => {
    const counted = countingStorage();
    server = await startTestServer({}, { storage: counted.storage });
    const id = "around-the-path";
    const connection = await server.hocuspocus.openDirectConnection(id);
    await connection.transact((doc) => doc.getText("text").insert(0, "direct"));
    await connection.disconnect();
    await waitUntil(() => counted.appends(id) === 1, "the change to be appended");
    expect(await storedText(server, id)).toBe("direct");
    // A later update through the ingest path is the second append: nothing was stored twice.
    const response = await fetch(`${server.url}/api/docs/${id}/updates`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: new Uint8Array(insertUpdate("later")),
    });
    expect(response.status).toBe(200);
    expect(counted.appends(id)).toBe(2);
  });

  it("makes a rename durable before the API answers, as one server-side change", async () => {
    const counted = countingStorage();
    server = await startTestServer({}, { storage: counted.storage });
    const id = "renamed-doc";
    await fetch(`${server.url}/api/docs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id }),
    });
    const response = await fetch(`${server.url}/api/docs/${id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "  New name  " }),
    });
    expect(response.status).toBe(200);
    expect(counted.appends(id)).toBe(1);
    const stored = await server.storage.log.load(id);
    const doc = new Y.Doc();
    for (const update of stored?.updates ?? []) Y.applyUpdate(doc, update);
    expect(doc.getMap("meta").get("title")).toBe("New name");
    expect((await server.storage.catalog.get(id))?.title).toBe("New name");
  });
});
