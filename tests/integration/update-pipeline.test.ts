import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { afterEach, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { MessageType, SyncStep } from "@/lib/protocol/message-types";
import { Refusal } from "@/lib/protocol/refusals";
import { createMemoryStorage } from "@/server/storage/level/memory-storage";
import type { Storage } from "@/server/storage/storage";
import { StoreError } from "@/server/storage/store-error";
import {
  connectClient,
  type TestClient,
  waitAcknowledged,
  waitConverged,
  waitSynced,
} from "../helpers/clients";
import { frame, RawSocket } from "../helpers/raw-socket";
import { withLog } from "../helpers/storage";
import { startTestServer, type TestServer } from "../helpers/tandem";
import { waitUntil } from "../helpers/wait";

/** Memory storage whose appends can be held back or made to fail, to watch what the server does meanwhile. */
class GatedStore {
  held: Array<() => void> = [];
  holding = false;
  failing = false;
  appended = 0;
  private readonly real = createMemoryStorage();
  readonly storage: Storage = withLog(this.real, {
    append: async (id, update) => {
      if (this.failing) throw new StoreError("unavailable", "disk on fire");
      if (this.holding) await new Promise<void>((release) => this.held.push(release));
      await this.real.log.append(id, update);
      this.appended += 1;
    },
  });

  release(): void {
    this.holding = false;
    for (const release of this.held.splice(0)) release();
  }
}

const {
  Sync: SYNC,
  SyncReply: SYNC_REPLY,
  Stateless: STATELESS,
  SyncStatus: SYNC_STATUS,
} = MessageType;
const UPDATE = SyncStep.Update;

function updateFrame(documentName: string, update: Uint8Array): Uint8Array {
  return frame(documentName, SYNC, (encoder) => {
    encoding.writeVarUint(encoder, UPDATE);
    encoding.writeVarUint8Array(encoder, update);
  });
}

/**
 * A raw socket on `documentName`, once the server has set its connection up.
 * The pipeline takes a connection's frames from Hocuspocus's `connected` hook,
 * which runs in the promise chain that adds the connection to the document:
 * once the document counts it (seen from a timer, after that chain), frames
 * sent on this socket go through the pipeline.
 */
async function openRaw(server: TestServer, documentName: string): Promise<RawSocket> {
  const connections = () =>
    server.hocuspocus.documents.get(documentName)?.getConnectionsCount() ?? 0;
  const before = connections();
  const raw = await RawSocket.open(server.wsUrl);
  raw.authenticate(documentName);
  await waitUntil(
    () => raw.frames.some((f) => f.type === MessageType.Auth),
    "authentication answer",
  );
  await waitUntil(() => connections() > before, "the server to set the connection up");
  return raw;
}

let barriers = 0;

/**
 * A positive barrier for checks that something did NOT happen. Once
 * Hocuspocus has handled every frame it was handed for `documentName`, the
 * server sends each of its connections a stateless message, and this waits
 * until every client and raw socket given has it. A socket is ordered, so
 * whatever the server sent them before (an early acknowledgement, broadcast
 * or answer) has arrived by then.
 */
async function serverBarrier(
  server: TestServer,
  documentName: string,
  clients: TestClient[],
  raws: RawSocket[] = [],
): Promise<void> {
  const document = server.hocuspocus.documents.get(documentName);
  if (!document) throw new Error(`${documentName} is not loaded`);
  const payload = `barrier-${++barriers}`;
  const arrived = clients.map(() => false);
  const listeners = clients.map((client, index) => {
    const listener = (event: { payload: string }) => {
      if (event.payload === payload) arrived[index] = true;
    };
    client.provider.on("stateless", listener);
    return listener;
  });
  const rawArrived = (raw: RawSocket) =>
    raw.frames.some(
      (f) =>
        f.type === STATELESS && decoding.readVarString(decoding.createDecoder(f.rest)) === payload,
    );
  try {
    await Promise.all(document.getConnections().map((c) => c.waitForPendingMessages()));
    document.flush();
    document.broadcastStateless(payload);
    await waitUntil(
      () => arrived.every(Boolean) && raws.every(rawArrived),
      "every client to receive the server's barrier",
    );
  } finally {
    clients.forEach((client, index) => {
      const listener = listeners[index];
      if (listener) client.provider.off("stateless", listener);
    });
  }
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
    for (const update of (await server.storage.log.load("burst"))!.updates)
      Y.applyUpdate(stored, update);
    expect(stored.getText("text").toString()).toBe(reader.text.toString());
  });

  it("acknowledges and broadcasts nothing before the append is durable", async () => {
    const store = new GatedStore();
    server = await startTestServer({}, { storage: store.storage });
    const writer = connect("gated");
    const reader = connect("gated");
    await Promise.all([waitSynced(writer), waitSynced(reader)]);
    store.holding = true;
    for (let n = 0; n < 50; n++) writer.text.insert(n, "x");
    await waitUntil(() => store.held.length === 50, "every append to reach the store");
    // Every update has reached the server; acks and broadcasts sent early would arrive
    // before anything the server sends after this.
    await serverBarrier(server, "gated", [writer, reader]);
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
    server = await startTestServer({}, { storage: store.storage });
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
    server = await startTestServer({}, { storage: store.storage });
    const writer = connect("failing");
    const reader = connect("failing");
    await Promise.all([waitSynced(writer), waitSynced(reader)]);
    store.failing = true;
    const raw = await openRaw(server, "failing");
    const source = new Y.Doc();
    source.getText("text").insert(0, "kept by the client");
    raw.send(updateFrame("failing", Y.encodeStateAsUpdate(source)));
    // A retryable refusal closes the whole socket, with the refusal as its reason.
    await waitUntil(() => raw.closed !== null, "the connection to be closed");
    expect(raw.closed?.reason).toBe(Refusal.StorageUnavailable);
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
    server = await startTestServer({}, { storage: store.storage });
    const raw = await openRaw(server, "ordered");
    const source = new Y.Doc();
    const updates: Uint8Array[] = [];
    source.on("update", (update: Uint8Array) => updates.push(update));
    source.getText("text").insert(0, "A");
    source.getText("text").insert(1, "B");
    source.getText("text").insert(2, "C");
    // Hold the appends so the step-1 request queues behind updates that are not durable yet.
    store.holding = true;
    raw.send(updateFrame("ordered", updates[0]!));
    raw.send(frame("ordered", MessageType.QueryAwareness, () => {})); // Hocuspocus's own path
    raw.send(updateFrame("ordered", updates[1]!));
    raw.send(
      frame("ordered", SYNC, (encoder) => {
        encoding.writeVarUint(encoder, SyncStep.Step1); // with an empty state vector
        encoding.writeVarUint8Array(encoder, Y.encodeStateVector(new Y.Doc()));
      }),
    );
    // A later update: once its append reaches the store, the server has the step-1 request
    // sent before it; an answer given early would arrive before the barrier.
    raw.send(updateFrame("ordered", updates[2]!));
    await waitUntil(() => store.held.length === 3, "every append to reach the store");
    await serverBarrier(server, "ordered", [], [raw]);
    expect(
      raw.frames.some(
        (f) => (f.type === SYNC || f.type === SYNC_REPLY) && f.rest[0] === SyncStep.Step2,
      ),
    ).toBe(false);
    store.release();
    await waitUntil(
      () =>
        raw.frames.some(
          (f) => (f.type === SYNC || f.type === SYNC_REPLY) && f.rest[0] === SyncStep.Step2,
        ),
      "the answer to step 1",
    );
    const answerAt = raw.frames.findIndex(
      (f) => (f.type === SYNC || f.type === SYNC_REPLY) && f.rest[0] === SyncStep.Step2,
    );
    const answer = raw.frames[answerAt]!;
    const replica = new Y.Doc();
    Y.applyUpdate(
      replica,
      decoding.readVarUint8Array(decoding.createDecoder(answer.rest.subarray(1))),
    );
    // Step 1 came after the first two updates and before the third, so its answer holds
    // exactly those two, and both were acknowledged before it.
    expect(replica.getText("text").toString()).toBe("AB");
    const acks = raw.frames.slice(0, answerAt).filter((f) => f.type === SYNC_STATUS).length;
    expect(acks).toBe(2);
    raw.close();
  });

  it("does not echo a client's own update back, but acknowledges it and relays it to others", async () => {
    server = await startTestServer();
    const reader = connect("echo");
    await waitSynced(reader);
    const raw = await openRaw(server, "echo");
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
    const early = await openRaw(server, "pending");
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
