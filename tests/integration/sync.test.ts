import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { connectClient, type TestClient, waitConverged, waitSynced } from "../helpers/clients";
import { startTestServer, type TestServer } from "../helpers/tandem";

/** Seeded so a failing interleaving can be replayed; the seed is in the test name. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomEdit(client: TestClient, random: () => number, tag: string): void {
  const text = client.text;
  if (text.length > 0 && random() < 0.3) {
    const at = Math.floor(random() * text.length);
    text.delete(at, Math.min(1 + Math.floor(random() * 3), text.length - at));
  } else {
    text.insert(Math.floor(random() * (text.length + 1)), tag);
  }
}

describe("concurrent editing over /collab", () => {
  let server: TestServer;
  let clients: TestClient[] = [];

  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    for (const client of clients) client.destroy();
    clients = [];
    await server.dispose();
  });

  for (const [count, seed] of [
    [2, 1],
    [20, 7],
  ] as const) {
    it(`${count} providers converge on one document (seed ${seed})`, async () => {
      const random = rng(seed);
      clients = Array.from({ length: count }, () => connectClient(server.wsUrl, "shared-doc"));
      await Promise.all(clients.map((client) => waitSynced(client)));

      for (let round = 0; round < 20; round++) {
        for (const [index, client] of clients.entries()) {
          randomEdit(client, random, `${index}.${round};`);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      clients[0]?.doc.getMap("map").set("owner", "client-0");
      clients.at(-1)?.doc.getArray<number>("list").push([1, 2, 3]);

      await waitConverged(clients);
      const states = clients.map((client) => Y.encodeStateAsUpdate(client.doc));
      const reference = new Y.Doc();
      Y.applyUpdate(reference, Y.mergeUpdates(states));
      for (const client of clients) {
        expect(client.text.toString()).toBe(reference.getText("text").toString());
        expect(client.doc.getMap("map").toJSON()).toEqual({ owner: "client-0" });
        expect(client.doc.getArray("list").toJSON()).toEqual([1, 2, 3]);
      }
      // Every client's own inserts survived (deletes only remove a few characters at a time).
      expect(reference.getText("text").length).toBeGreaterThan(0);

      // A fresh client loading from the server sees the same state.
      const late = connectClient(server.wsUrl, "shared-doc");
      clients.push(late);
      await waitSynced(late);
      expect(late.text.toString()).toBe(reference.getText("text").toString());
    });
  }

  it("keeps documents apart", async () => {
    const a = connectClient(server.wsUrl, "doc-a");
    const b = connectClient(server.wsUrl, "doc-b");
    clients = [a, b];
    await Promise.all(clients.map((client) => waitSynced(client)));
    a.text.insert(0, "only in a");
    await waitConverged([a]);
    const b2 = connectClient(server.wsUrl, "doc-b");
    clients.push(b2);
    await waitSynced(b2);
    expect(b2.text.toString()).toBe("");
    expect(b.text.toString()).toBe("");
  });
});
