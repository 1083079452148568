import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { CloseCode, Refusal } from "@/lib/protocol/refusals";
import { connectClient, type TestClient, waitAcknowledged, waitSynced } from "../helpers/clients";
import { RawSocket } from "../helpers/raw-socket";
import { startTestServer, type TestServer } from "../helpers/tandem";
import { waitUntil } from "../helpers/wait";

/** Opens a raw socket; resolves with it once open, or with the HTTP status the upgrade was refused with. */
function openSocket(
  url: string,
  headers: Record<string, string> = {},
): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once("open", () => resolve(ws));
    ws.once("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once("error", (error) => {
      if (ws.readyState !== WebSocket.CLOSED) reject(error);
    });
  });
}

describe("limits on who may connect", () => {
  let server: TestServer | undefined;
  const sockets: WebSocket[] = [];
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    for (const client of clients.splice(0)) client.destroy();
    await server?.dispose();
    server = undefined;
  });

  async function bystander(s: TestServer): Promise<TestClient> {
    const client = connectClient(s.wsUrl, "bystander-doc");
    clients.push(client);
    await waitSynced(client);
    return client;
  }

  it("lets only listed browser origins open sockets or change things; reads and non-browser clients pass", async () => {
    server = await startTestServer({ ALLOWED_ORIGINS: "https://docs.example.com" });
    const bystanding = await bystander(server);
    expect(await openSocket(server.wsUrl, { origin: "https://evil.example" })).toBe(403);
    const allowed = await openSocket(server.wsUrl, { origin: "https://docs.example.com" });
    expect(allowed).toBeInstanceOf(WebSocket);
    sockets.push(allowed as WebSocket);

    const create = (origin: string) =>
      fetch(`${server!.url}/api/docs`, {
        method: "POST",
        headers: { origin, "content-type": "application/json" },
        body: JSON.stringify({ title: "From a page" }),
      });
    const refused = await create("https://evil.example");
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      "origin-not-allowed",
    );
    expect((await create("https://docs.example.com")).status).toBe(201);
    const read = await fetch(`${server.url}/api/docs`, {
      headers: { origin: "https://evil.example" },
    });
    expect(read.status).toBe(200);

    bystanding.text.insert(0, "unaffected");
    await waitAcknowledged(bystanding);
  });

  it("refuses sockets past MAX_CONNECTIONS_PER_IP and admits again once one closes", async () => {
    server = await startTestServer({ MAX_CONNECTIONS_PER_IP: "3" });
    const first = await openSocket(server.wsUrl);
    const second = await openSocket(server.wsUrl);
    const third = await openSocket(server.wsUrl);
    for (const ws of [first, second, third]) {
      expect(ws).toBeInstanceOf(WebSocket);
      sockets.push(ws as WebSocket);
    }
    expect(await openSocket(server.wsUrl)).toBe(429);
    (first as WebSocket).close();
    let again: WebSocket | number = 0;
    await waitUntil(async () => {
      again = await openSocket(server!.wsUrl);
      return again instanceof WebSocket;
    }, "a socket to be admitted after one closed");
    sockets.push(again as unknown as WebSocket);
  });

  it("counts clients behind a trusted proxy by their forwarded address", async () => {
    server = await startTestServer({ MAX_CONNECTIONS_PER_IP: "1", TRUST_PROXY: "true" });
    const viaProxy = (client: string) =>
      openSocket(server!.wsUrl, { "x-forwarded-for": `203.0.113.9, ${client}` });
    const one = await viaProxy("198.51.100.1");
    const two = await viaProxy("198.51.100.2");
    expect(one).toBeInstanceOf(WebSocket);
    expect(two).toBeInstanceOf(WebSocket);
    sockets.push(one as WebSocket, two as WebSocket);
    expect(await viaProxy("198.51.100.1")).toBe(429);
  });

  it("keeps a document at MAX_CONNECTIONS_PER_DOCUMENT, asking the next client to retry, and lets it in once one leaves", async () => {
    server = await startTestServer({ MAX_CONNECTIONS_PER_DOCUMENT: "2" });
    const first = connectClient(server.wsUrl, "full-doc");
    const second = connectClient(server.wsUrl, "full-doc");
    clients.push(first, second);
    await Promise.all([waitSynced(first), waitSynced(second)]);
    const third = connectClient(server.wsUrl, "full-doc");
    clients.push(third);
    const closes: number[] = [];
    third.provider.on("close", ({ event }: { event: { code: number } }) => closes.push(event.code));
    await waitUntil(() => closes.length > 0, "the third client to be turned away");
    expect(closes[0]).toBe(CloseCode.TryAgainLater);
    expect(third.provider.isSynced).toBe(false);
    // Other documents are not affected.
    await bystander(server);
    first.destroy();
    await waitSynced(third, "the third client to get in once a place is free");
  });

  it("closes a socket that opens no document within HANDSHAKE_TIMEOUT_MS, and only that one", async () => {
    server = await startTestServer({ HANDSHAKE_TIMEOUT_MS: "300" });
    const working = connectClient(server.wsUrl, "handshake-doc");
    clients.push(working);
    await waitSynced(working);
    const silent = await RawSocket.open(server.wsUrl);
    await waitUntil(() => silent.closed !== null, "the silent socket to be closed");
    expect(silent.closed).toEqual({
      code: CloseCode.TryAgainLater,
      reason: Refusal.HandshakeTimeout,
    });
    // The client that opened its document in time outlived the timeout and still edits.
    expect(working.socket.status).toBe("connected");
    working.text.insert(0, "still connected");
    await waitAcknowledged(working);
  });
});
