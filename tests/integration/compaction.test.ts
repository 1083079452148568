import { afterEach, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { connectClient, type TestClient, waitAcknowledged, waitSynced } from "../helpers/clients";
import { startTestServer, type TestServer } from "../helpers/tandem";
import { waitUntil } from "../helpers/wait";

describe("compaction", () => {
  let server: TestServer | undefined;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await server?.dispose();
  });

  it("folds the log into a snapshot while editing and on unload, keeping content identical", async () => {
    server = await startTestServer({ COMPACT_LOG_ENTRIES: "50" });
    const writer = connectClient(server.wsUrl, "compact-doc");
    clients.push(writer);
    await waitSynced(writer);
    for (let i = 0; i < 300; i++) {
      writer.text.insert(writer.text.length, `w${i} `);
      if (i % 3 === 0) writer.text.delete(0, 1);
    }
    writer.doc.getMap("m").set("k", "v");
    await waitAcknowledged(writer);
    const before = await server.storage.log.stats("compact-doc");
    expect(before.entries).toBeGreaterThanOrEqual(50);

    // The debounced store hook is where a live document compacts; run it now instead of waiting.
    server.hocuspocus.flushPendingStores();
    await waitUntil(
      async () => (await server!.storage.log.stats("compact-doc")).entries < 50,
      "compaction of the live document",
    );
    writer.text.insert(0, "after compaction ");
    await waitAcknowledged(writer);
    const expected = writer.text.toString();
    const expectedState = Y.encodeStateVector(writer.doc);

    writer.destroy();
    clients.length = 0;
    await waitUntil(() => server!.hocuspocus.getDocumentsCount() === 0, "unload");
    await waitUntil(
      async () => (await server!.storage.log.stats("compact-doc")).entries === 0,
      "compaction on unload",
    );
    const stored = await server.storage.log.load("compact-doc");
    expect(stored?.updates).toHaveLength(1);
    const meta = await server.storage.catalog.get("compact-doc");
    expect(meta?.sizeBytes).toBe(stored?.updates[0]?.byteLength);
    expect(meta?.sizeBytes).toBeLessThan(before.bytes);

    const reader = connectClient(server.wsUrl, "compact-doc");
    clients.push(reader);
    await waitSynced(reader);
    expect(reader.text.toString()).toBe(expected);
    expect(reader.doc.getMap("m").get("k")).toBe("v");
    expect(Y.encodeStateVector(reader.doc)).toEqual(expectedState);
  });
});
