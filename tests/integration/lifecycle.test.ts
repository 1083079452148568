import { afterEach, describe, expect, it } from "vitest";
import { CloseCode } from "@/lib/protocol/refusals";
import { createMemoryStorage } from "@/server/storage/level/memory-storage";
import type { Storage } from "@/server/storage/storage";
import type { StoredUpdates } from "@/server/storage/update-log";
import { connectClient, type TestClient, waitAcknowledged, waitSynced } from "../helpers/clients";
import { withLog } from "../helpers/storage";
import { startTestServer, type TestServer } from "../helpers/tandem";
import { waitUntil } from "../helpers/wait";

/** Real storage whose log `load` can be made to fail or stall, to reproduce stock servers' lifecycle bugs. */
class FaultyStore {
  failNextLoads = 0;
  gate: Promise<void> | null = null;
  loads = 0;
  readonly storage: Storage;
  constructor() {
    const real = createMemoryStorage();
    const load = async (id: string): Promise<StoredUpdates | null> => {
      this.loads += 1;
      if (this.gate) await this.gate;
      if (this.failNextLoads > 0) {
        this.failNextLoads -= 1;
        throw new Error("injected load failure");
      }
      return real.log.load(id);
    };
    this.storage = withLog(real, { load });
  }
}

describe("document lifecycle", () => {
  let server: TestServer | undefined;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await server?.dispose();
  });

  it("unloads documents and frees memory when their last client leaves", async () => {
    server = await startTestServer();
    for (let round = 0; round < 3; round++) {
      const batch = Array.from({ length: 30 }, (_, i) => connectClient(server!.wsUrl, `many-${i}`));
      await Promise.all(batch.map((client) => waitSynced(client)));
      for (const [i, client] of batch.entries()) client.text.insert(0, `doc ${i} round ${round};`);
      await Promise.all(batch.map((client) => waitAcknowledged(client)));
      expect(server.hocuspocus.getDocumentsCount()).toBe(30);
      for (const client of batch) client.destroy();
      await waitUntil(
        () => server!.hocuspocus.getDocumentsCount() === 0,
        "every document to unload",
      );
    }
    const check = connectClient(server.wsUrl, "many-7");
    clients.push(check);
    await waitSynced(check);
    expect(check.text.toString()).toBe("doc 7 round 2;doc 7 round 1;doc 7 round 0;");
  });

  it("a failed load never leaves an empty document that overwrites the stored one", async () => {
    const store = new FaultyStore();
    server = await startTestServer({}, { storage: store.storage });
    const writer = connectClient(server.wsUrl, "fragile");
    await waitSynced(writer);
    writer.text.insert(0, "stored before the failure");
    await waitAcknowledged(writer);
    writer.destroy();
    await waitUntil(() => server!.hocuspocus.getDocumentsCount() === 0, "unload");

    store.failNextLoads = 1;
    const loadsBefore = store.loads;
    const unlucky = connectClient(server.wsUrl, "fragile");
    clients.push(unlucky);
    const closeCodes: number[] = [];
    unlucky.socket.on("close", ({ event }: { event: { code: number } }) =>
      closeCodes.push(event.code),
    );
    // The failed load closes the socket with TryAgainLater (1013); the provider retries and then gets the real content.
    await waitUntil(() => store.loads >= loadsBefore + 2, "the retry after the failed load");
    await waitSynced(unlucky);
    expect(closeCodes[0]).toBe(CloseCode.TryAgainLater);
    expect(unlucky.text.toString()).toBe("stored before the failure");
    unlucky.text.insert(0, "+");
    await waitAcknowledged(unlucky);
    const stored = await server.documents.read("fragile", (doc) => doc.getText("text").toString());
    expect(stored).toBe("+stored before the failure");
  });

  it("clients that connect while a document loads get its content in their first sync", async () => {
    const store = new FaultyStore();
    server = await startTestServer({}, { storage: store.storage });
    const writer = connectClient(server.wsUrl, "slow-doc");
    await waitSynced(writer);
    writer.text.insert(0, "content that must be there at first sync");
    await waitAcknowledged(writer);
    writer.destroy();
    await waitUntil(() => server!.hocuspocus.getDocumentsCount() === 0, "unload");

    const loadsBefore = store.loads;
    let release = () => {};
    store.gate = new Promise((resolve) => {
      release = resolve;
    });
    const textAtFirstSync: string[] = [];
    const waiting = Array.from({ length: 5 }, () => {
      const client = connectClient(server!.wsUrl, "slow-doc");
      clients.push(client);
      let first = true;
      client.provider.on("synced", () => {
        if (first) textAtFirstSync.push(client.text.toString());
        first = false;
      });
      return client;
    });
    await waitUntil(() => store.loads > loadsBefore, "the load to start");
    expect(waiting.every((client) => !client.provider.isSynced)).toBe(true);
    store.gate = null;
    release();
    await Promise.all(waiting.map((client) => waitSynced(client)));
    expect(textAtFirstSync).toHaveLength(5);
    for (const text of textAtFirstSync)
      expect(text).toBe("content that must be there at first sync");
    // One load served every waiting client.
    expect(store.loads).toBe(loadsBefore + 1);
  });
});
