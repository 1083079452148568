import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { afterEach, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { type DocStore, StoreError } from "@/server/storage/doc-store";
import { MemoryStore } from "@/server/storage/memory-store";
import {
  connectClient,
  type TestClient,
  waitAcknowledged,
  waitConverged,
  waitSynced,
} from "../helpers/clients";
import { frame, frameReason, RawSocket } from "../helpers/raw-socket";
import { startTestServer, type TestServer } from "../helpers/tandem";
import { waitUntil } from "../helpers/wait";

/** A store whose appends can be held back or made to fail, to watch what the server does meanwhile. */
class GatedStore extends MemoryStore implements DocStore {
  held: Array<() => void> = [];
  holding = false;
  failing = false;
  appended = 0;

  override async append(id: string, update: Uint8Array): Promise<void> {
    if (this.failing) throw new StoreError("unavailable", "disk on fire");
    if (this.holding) await new Promise<void>((release) => this.held.push(release));
    await super.append(id, update);
    this.appended += 1;
  }

  release(): void {
    this.holding = false;
    for (const release of this.held.splice(0)) release();
  }
}

const SYNC = 0;
const UPDATE = 2;
const SYNC_STATUS = 8;

function updateFrame(documentName: string, update: Uint8Array): Uint8Array {
  return frame(documentName, SYNC, (encoder) => {
    encoding.writeVarUint(encoder, UPDATE);
    encoding.writeVarUint8Array(encoder, update);
  });
}

describe("update pipeline: bursts are applied in batches, durably, in order", () => {
  let server: TestServer | undefined;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await server?.dispose();
    server = undefined;
  });
  const connect = (name: string) => {
    const client = connectClient(server!.wsUrl, name);
    clients.push(client);
    return client;
  };

  it("converges when several providers type bursts at once, and stores exactly what they see", async () => {
    server = await startTestServer();
    const writers = [connect("burst"), connect("burst"), connect("burst")];
    const reader = connect("burst");
    await Promise.all([...writers, reader].map((client) => waitSynced(client)));
    writers.forEach((writer, index) => {
      for (let n = 0; n < 1500; n++) {
        writer.doc.transact(() => {
          const text = writer.text;
          if (n % 10 === 9) text.delete(Math.floor(text.length / 2), 1);
          else text.insert(n % 3 === 0 ? 0 : text.length, String.fromCharCode(97 + index));
        });
      }
      writer.provider.setAwarenessField("typing", index);
    });
    await Promise.all(writers.map((writer) => waitAcknowledged(writer)));
    await waitConverged([...writers, reader]);
    expect(reader.text.length).toBe(3 * (1500 - 150) - 3 * 150);
    const stored = new Y.Doc();
    for (const update of (await server.store.load("burst"))!.updates) Y.applyUpdate(stored, update);
    expect(stored.getText("text").toString()).toBe(reader.text.toString());
  });

  it("acknowledges and broadcasts nothing before the append is durable", async () => {
    const store = new GatedStore();
    server = await startTestServer({}, { store });
    const writer = connect("gated");
    const reader = connect("gated");
    await Promise.all([waitSynced(writer), waitSynced(reader)]);
    store.holding = true;
    for (let n = 0; n < 50; n++) writer.text.insert(n, "x");
    await waitUntil(() => store.held.length > 0, "appends to reach the store");
    // Give the server every chance to act early: acks and broadcasts would arrive by now.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(writer.provider.unsyncedChanges).toBe(50);
    expect(reader.text.length).toBe(0);
    expect(server.hocuspocus.documents.get("gated")?.getText("text").length).toBe(0);
    let readerUpdates = 0;
    reader.doc.on("update", () => {
      readerUpdates += 1;
    });
    store.release();
    await waitAcknowledged(writer);
    await waitConverged([writer, reader]);
    expect(store.appended).toBe(50);
    expect(reader.text.toString()).toBe("x".repeat(50));
    // Appends that became durable together are applied and broadcast as one transaction.
    expect(readerUpdates).toBe(1);
  });

  it("still applies and relays an update whose sender left before it was durable", async () => {
    const store = new GatedStore();
    server = await startTestServer({}, { store });
    const leaving = connect("left");
    const reader = connect("left");
    await Promise.all([waitSynced(leaving), waitSynced(reader)]);
    store.holding = true;
    leaving.text.insert(0, "last words");
    await waitUntil(() => store.held.length > 0, "the append to reach the store");
    // The tab closes right after the keystroke: no acknowledgement can reach it any more.
    leaving.destroy();
    await waitUntil(
      () => (server!.hocuspocus.documents.get("left")?.getConnectionsCount() ?? 0) === 1,
      "the server to see the sender leave",
    );
    store.release();
    await waitUntil(
      () => reader.text.toString() === "last words",
      "the reader to receive the edit",
    );
    expect(server.hocuspocus.documents.get("left")?.getText("text").toString()).toBe("last words");
    expect(store.appended).toBe(1);
  });

  it("closes the connection on a failed append, applies nothing, and takes the edit when resent", async () => {
    const store = new GatedStore();
    server = await startTestServer({}, { store });
    const writer = connect("failing");
    const reader = connect("failing");
    await Promise.all([waitSynced(writer), waitSynced(reader)]);
    store.failing = true;
    const raw = await RawSocket.open(server.wsUrl);
    raw.authenticate("failing");
    await waitUntil(() => raw.frames.some((f) => f.type === 2), "authentication answer");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const source = new Y.Doc();
    source.getText("text").insert(0, "kept by the client");
    raw.send(updateFrame("failing", Y.encodeStateAsUpdate(source)));
    await waitUntil(() => raw.frames.some((f) => f.type === 7), "the connection to be closed");
    expect(frameReason(raw.frames.find((f) => f.type === 7)!)).toBe("storage-unavailable");
    expect(raw.frames.some((f) => f.type === SYNC_STATUS)).toBe(false);
    expect(reader.text.length).toBe(0);
    expect(server.hocuspocus.documents.get("failing")?.getText("text").length).toBe(0);
    raw.close();
    // The client still has its edit; once storage works again a new connection delivers it.
    store.failing = false;
    const again = connectClient(server.wsUrl, "failing", { doc: source });
    clients.push(again);
    await waitAcknowledged(again);
    await waitConverged([again, reader, writer]);
    expect(reader.text.toString()).toBe("kept by the client");
  });

  it("keeps a connection's order across updates and frames Hocuspocus handles", async () => {
    const store = new GatedStore();
    server = await startTestServer({}, { store });
    const raw = await RawSocket.open(server.wsUrl);
    raw.authenticate("ordered");
    await waitUntil(() => raw.frames.some((f) => f.type === 2), "authentication answer");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const source = new Y.Doc();
    const updates: Uint8Array[] = [];
    source.on("update", (update: Uint8Array) => updates.push(update));
    source.getText("text").insert(0, "A");
    source.getText("text").insert(1, "B");
    // Hold the appends so the step-1 request queues behind updates that are not durable yet.
    store.holding = true;
    raw.send(updateFrame("ordered", updates[0]!));
    raw.send(frame("ordered", 3, () => {})); // query awareness: Hocuspocus's own path
    raw.send(updateFrame("ordered", updates[1]!));
    raw.send(
      frame("ordered", SYNC, (encoder) => {
        encoding.writeVarUint(encoder, 0); // step 1 with an empty state vector
        encoding.writeVarUint8Array(encoder, Y.encodeStateVector(new Y.Doc()));
      }),
    );
    await waitUntil(() => store.held.length > 0, "the first append to reach the store");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(raw.frames.some((f) => (f.type === SYNC || f.type === 4) && f.rest[0] === 1)).toBe(
      false,
    );
    store.release();
    await waitUntil(
      () => raw.frames.some((f) => (f.type === SYNC || f.type === 4) && f.rest[0] === 1),
      "the answer to step 1",
    );
    const answer = raw.frames.find((f) => (f.type === SYNC || f.type === 4) && f.rest[0] === 1)!;
    const replica = new Y.Doc();
    Y.applyUpdate(
      replica,
      decoding.readVarUint8Array(decoding.createDecoder(answer.rest.subarray(1))),
    );
    // Step 1 came after both updates, so its answer holds both, and both were acknowledged first.
    expect(replica.getText("text").toString()).toBe("AB");
    const acks = raw.frames.filter((f) => f.type === SYNC_STATUS).length;
    expect(acks).toBe(2);
    raw.close();
  });

  it("does not echo a client's own update back, but acknowledges it and relays it to others", async () => {
    server = await startTestServer();
    const reader = connect("echo");
    await waitSynced(reader);
    const raw = await RawSocket.open(server.wsUrl);
    raw.authenticate("echo");
    await waitUntil(() => raw.frames.some((f) => f.type === 2), "authentication answer");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const source = new Y.Doc();
    const updates: Uint8Array[] = [];
    source.on("update", (update: Uint8Array) => updates.push(update));
    for (let n = 0; n < 20; n++) source.getText("text").insert(n, "e");
    for (const update of updates) raw.send(updateFrame("echo", update));
    await waitUntil(
      () => raw.frames.filter((f) => f.type === SYNC_STATUS).length === 20,
      "20 acks",
    );
    await waitUntil(() => reader.text.toString() === "e".repeat(20), "the reader to get them");
    const echoes = raw.frames.filter((f) => f.type === SYNC && f.rest[0] === UPDATE);
    expect(echoes).toEqual([]);
    raw.close();
  });

  it("sends a client what its update released from another client's pending update", async () => {
    server = await startTestServer();
    const first = new Y.Doc();
    first.getText("text").insert(0, "a");
    const base = Y.encodeStateAsUpdate(first);
    const second = new Y.Doc();
    Y.applyUpdate(second, base);
    const vector = Y.encodeStateVector(second);
    second.getText("text").insert(1, "b");
    const dependent = Y.encodeStateAsUpdate(second, vector);

    // A sends an update that depends on content the server does not have yet.
    const early = await RawSocket.open(server.wsUrl);
    early.authenticate("pending");
    await waitUntil(() => early.frames.some((f) => f.type === 2), "authentication answer");
    await new Promise((resolve) => setTimeout(resolve, 50));
    early.send(updateFrame("pending", dependent));
    await waitUntil(
      () => early.frames.some((f) => f.type === SYNC_STATUS),
      "ack of the pending update",
    );
    // B sends the missing base; the server's transaction now also holds A's "b", which B lacks.
    const late = connect("pending");
    await waitSynced(late);
    Y.applyUpdate(late.doc, base);
    await waitAcknowledged(late);
    await waitUntil(() => late.text.toString() === "ab", "B to receive the released update");
    early.close();
  });
});
