import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, type TestClient, waitAcknowledged, waitSynced } from "../helpers/clients";
import { startTestServer, type TestServer } from "../helpers/tandem";
import { waitUntil } from "../helpers/wait";

function namesSeenBy(client: TestClient): string[] {
  return [...(client.provider.awareness?.getStates().values() ?? [])].flatMap((state) => {
    const name = (state as { user?: { name?: unknown } }).user?.name;
    return typeof name === "string" ? [name] : [];
  });
}

describe("ping/pong liveness", () => {
  let server: TestServer;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    server = await startTestServer({ PING_INTERVAL_MS: "200" });
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await server.dispose();
  });

  it("closes a socket that stops answering pings, and its caret vanishes for the others", async () => {
    const alice = connectClient(server.wsUrl, "live-doc");
    const bob = connectClient(server.wsUrl, "live-doc");
    clients.push(alice, bob);
    await Promise.all([waitSynced(alice), waitSynced(bob)]);
    alice.provider.awareness?.setLocalStateField("user", { name: "Alice" });
    bob.provider.awareness?.setLocalStateField("user", { name: "Bob" });
    await waitUntil(() => namesSeenBy(alice).includes("Bob"), "Alice to see Bob's caret");

    // Bob's machine goes quiet without closing anything: his socket stops reading, so it
    // never sees a ping and never answers one (a half-open connection).
    const raw = (bob.socket.webSocket as unknown as { _socket: Socket })._socket;
    raw.pause();
    await waitUntil(
      () => !namesSeenBy(alice).includes("Bob"),
      "Bob's caret to vanish for Alice once the server drops his silent socket",
    );
    expect(server.hocuspocus.documents.get("live-doc")?.getConnectionsCount()).toBe(1);

    // Alice answered every ping meanwhile and is still connected and editing.
    alice.text.insert(0, "still here");
    await waitAcknowledged(alice);
    expect(namesSeenBy(alice)).toContain("Alice");
  });
});
