import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { CloseCode, Refusal, Refused } from "@/lib/protocol/refusals";
import type { AccessPolicy, Permission } from "@/server/access/policy";
import { ANONYMOUS, type Principal } from "@/server/access/principal";
import { connectClient, type TestClient, waitAcknowledged, waitSynced } from "../helpers/clients";
import { countingStorage } from "../helpers/storage";
import { startTestServer, type TestServer } from "../helpers/tandem";
import { waitUntil } from "../helpers/wait";

/** "reader" may only read, "stranger" may see nothing, "bad" is not a valid token; the rest write. */
class TokenPolicy implements AccessPolicy {
  readonly name = "test";
  async authenticate({ token }: { token: string | null }): Promise<Principal> {
    if (token === "bad") throw new Refused("forbidden", "bad token");
    return token ? { id: token, name: token, kind: "user" } : ANONYMOUS;
  }
  async permission(principal: Principal): Promise<Permission | null> {
    if (principal.id === "stranger") return null;
    return principal.id === "reader" ? "read" : "write";
  }
}

function insertUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText("text").insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

describe("one access gate for every transport", () => {
  let server: TestServer;
  let appends: (id: string) => number;
  const clients: TestClient[] = [];
  const yClients: WebsocketProvider[] = [];

  beforeEach(async () => {
    const counted = countingStorage();
    appends = counted.appends;
    server = await startTestServer({}, { storage: counted.storage, policy: new TokenPolicy() });
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    for (const provider of yClients.splice(0)) {
      provider.destroy();
      provider.doc.destroy();
    }
    await server.dispose();
  });

  function client(name: string, token: string): TestClient {
    const made = connectClient(server.wsUrl, name, { token });
    clients.push(made);
    return made;
  }

  function yClient(room: string, token: string): WebsocketProvider {
    const provider = new WebsocketProvider(
      `${server.url.replace("http", "ws")}/yjs`,
      room,
      new Y.Doc(),
      {
        WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
        params: { token },
        maxBackoffTime: 200,
      },
    );
    yClients.push(provider);
    return provider;
  }

  it("a reader's socket receives live edits but its own are never applied, stored or relayed", async () => {
    const writer = client("shared", "writer");
    await waitSynced(writer);
    writer.text.insert(0, "from the writer.");
    await waitAcknowledged(writer);
    const reader = client("shared", "reader");
    const yReader = yClient("shared", "reader");
    await waitSynced(reader);
    await waitUntil(() => yReader.synced, "the y-websocket reader to sync");
    expect(reader.text.toString()).toBe("from the writer.");
    expect(yReader.doc.getText("text").toString()).toBe("from the writer.");
    const stored = appends("shared");

    reader.text.insert(0, "reader was here. ");
    yReader.doc.getText("text").insert(0, "y-reader was here. ");
    // A connection's frames are handled in order: once presence sent after the edit has
    // reached the writer, the server has handled (and dropped) each reader's edit.
    reader.provider.awareness?.setLocalStateField("user", { name: "reader" });
    yReader.awareness.setLocalStateField("user", { name: "y-reader" });
    const writerSees = (name: string) =>
      [...(writer.provider.awareness?.getStates().values() ?? [])].some(
        (state) => (state as { user?: { name?: string } }).user?.name === name,
      );
    await waitUntil(
      () => writerSees("reader") && writerSees("y-reader"),
      "both readers' presence to reach the writer",
    );
    writer.text.insert(writer.text.length, " more");
    await waitAcknowledged(writer);
    await waitUntil(
      () =>
        reader.text.toString().endsWith("from the writer. more") &&
        yReader.doc.getText("text").toString().endsWith("from the writer. more"),
      "the writer's later edit to reach both readers",
    );
    expect(writer.text.toString()).toBe("from the writer. more");
    expect(appends("shared")).toBe(stored + 1);
    expect(reader.provider.unsyncedChanges).toBeGreaterThan(0);
  });

  it("refuses sockets of principals without access, on both dialects", async () => {
    const stranger = client("closed-doc", "stranger");
    const reasons: string[] = [];
    stranger.provider.on("authenticationFailed", ({ reason }: { reason: string }) =>
      reasons.push(reason),
    );
    await waitUntil(() => reasons.length > 0, "the refusal");
    expect(reasons[0]).toBe(Refusal.Forbidden);

    const yStranger = yClient("closed-doc", "bad");
    const codes: number[] = [];
    yStranger.on("connection-close", (event) => {
      if (event) codes.push(event.code);
    });
    await waitUntil(() => codes.length > 0, "the y-websocket refusal");
    expect(codes[0]).toBe(CloseCode.Forbidden);
    expect(appends("closed-doc")).toBe(0);
  });

  it("asks the same gate for the HTTP API and the HTTP sync", async () => {
    const writer = client("http-doc", "writer");
    await waitSynced(writer);
    writer.text.insert(0, "hello");
    await waitAcknowledged(writer);
    const as = (token: string) => ({ authorization: `Bearer ${token}` });
    const post = (token: string) =>
      fetch(`${server.url}/api/docs/http-doc/updates`, {
        method: "POST",
        headers: { ...as(token), "content-type": "application/octet-stream" },
        body: new Uint8Array(insertUpdate("x")),
      });
    const code = async (response: Response) =>
      ((await response.json()) as { error: { code: string } }).error.code;

    const readerPost = await post("reader");
    expect(readerPost.status).toBe(403);
    expect(await code(readerPost)).toBe(Refusal.ReadOnly);
    const strangerPost = await post("stranger");
    expect(strangerPost.status).toBe(403);
    expect(await code(strangerPost)).toBe(Refusal.Forbidden);
    expect((await post("writer")).status).toBe(200);

    const state = await fetch(`${server.url}/api/docs/http-doc/state`, { headers: as("reader") });
    expect(state.status).toBe(200);
    const poll = await fetch(`${server.url}/api/docs/http-doc/poll?timeout=0`, {
      headers: as("reader"),
    });
    expect(poll.status).toBe(200);
    for (const path of ["/api/docs/http-doc/state", "/api/docs/http-doc/poll?timeout=0"]) {
      const refused = await fetch(`${server.url}${path}`, { headers: as("stranger") });
      expect({ path, status: refused.status }).toEqual({ path, status: 403 });
    }
    const rename = await fetch(`${server.url}/api/docs/http-doc`, {
      method: "PATCH",
      headers: { ...as("reader"), "content-type": "application/json" },
      body: JSON.stringify({ title: "Nope" }),
    });
    expect(rename.status).toBe(403);
    const list = await fetch(`${server.url}/api/docs`, { headers: as("stranger") });
    expect(((await list.json()) as { docs: unknown[] }).docs).toEqual([]);
  });

  it("keeps the update pipeline on with the gate in place: a burst is applied in few transactions", async () => {
    const writer = client("burst-doc", "writer");
    await waitSynced(writer);
    const document = server.hocuspocus.documents.get("burst-doc");
    if (!document) throw new Error("document not loaded");
    let transactions = 0;
    document.on("update", () => {
      transactions += 1;
    });
    // One event-loop turn of typing: Hocuspocus's own path would apply 100 transactions.
    for (let i = 0; i < 100; i++) writer.text.insert(writer.text.length, "k");
    await waitAcknowledged(writer);
    expect(document.getText("text").length).toBe(100);
    expect(transactions).toBeLessThan(20);
  });
});
