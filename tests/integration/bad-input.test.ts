import * as encoding from "lib0/encoding";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { MessageType, SyncStep } from "@/lib/protocol/message-types";
import { Refusal } from "@/lib/protocol/refusals";
import { connectClient, type TestClient, waitAcknowledged, waitSynced } from "../helpers/clients";
import { frame, frameReason, RawSocket } from "../helpers/raw-socket";
import { startTestServer, type TestServer } from "../helpers/tandem";
import { waitUntil } from "../helpers/wait";

const MAX = 64 * 1024;

describe("bad input never hurts other users", () => {
  let server: TestServer;
  let bystander: TestClient;

  beforeAll(async () => {
    server = await startTestServer({ MAX_MESSAGE_BYTES: String(MAX) });
    bystander = connectClient(server.wsUrl, "victim-doc");
    await waitSynced(bystander);
    bystander.text.insert(0, "precious content");
    await waitAcknowledged(bystander);
  });
  afterAll(async () => {
    bystander.destroy();
    await server.dispose();
  });

  /** After each attack: the server still serves a healthy client and the stored document is intact. */
  async function expectUnharmed(): Promise<void> {
    const check = connectClient(server.wsUrl, "victim-doc");
    try {
      await waitSynced(check);
      expect(check.text.toString()).toBe(bystander.text.toString());
      expect(check.text.toString()).toContain("precious content");
      bystander.text.insert(0, "+");
      await waitAcknowledged(bystander);
      await waitUntil(
        () => check.text.toString() === bystander.text.toString(),
        "live edit to arrive",
      );
    } finally {
      check.destroy();
    }
    const stored = await server.documents.read("victim-doc", (doc) =>
      doc.getText("text").toString(),
    );
    expect(stored).toBe(bystander.text.toString());
  }

  async function authenticated(documentName: string): Promise<RawSocket> {
    const raw = await RawSocket.open(server.wsUrl);
    raw.authenticate(documentName);
    await waitUntil(
      () => raw.frames.some((f) => f.type === MessageType.Auth),
      "authentication answer",
    );
    return raw;
  }

  async function closeReason(raw: RawSocket): Promise<string> {
    await waitUntil(() => raw.frames.some((f) => f.type === MessageType.Close), "a close message");
    const close = raw.frames.find((f) => f.type === MessageType.Close);
    return close ? frameReason(close) : "";
  }

  it("refuses invalid document names with a reason", async () => {
    for (const name of ["../../etc/passwd", "has space", "a!b", "x".repeat(300)]) {
      const client = connectClient(server.wsUrl, name);
      const reasons: string[] = [];
      client.provider.on("authenticationFailed", ({ reason }: { reason: string }) =>
        reasons.push(reason),
      );
      await waitUntil(() => reasons.length > 0, `refusal of ${name.slice(0, 20)}`);
      expect(reasons[0]).toBe(Refusal.InvalidDocumentId);
      client.destroy();
    }
    await expectUnharmed();
  });

  it("writes nothing for frames sent before or without a successful handshake", async () => {
    const update = new Y.Doc();
    update.getText("text").insert(0, "sneaky");
    const sync = (name: string) =>
      frame(name, MessageType.Sync, (encoder) => {
        encoding.writeVarUint(encoder, SyncStep.Update);
        encoding.writeVarUint8Array(encoder, Y.encodeStateAsUpdate(update));
      });
    const raw = await RawSocket.open(server.wsUrl);
    raw.send(sync("never-authenticated"));
    raw.authenticate("bad!name");
    raw.send(sync("bad!name"));
    await waitUntil(() => raw.frames.some((f) => f.type === MessageType.Auth), "the refusal");
    raw.close();
    expect(await server.storage.log.load("never-authenticated")).toBeNull();
    expect(await server.storage.catalog.get("bad!name")).toBeNull();
    await expectUnharmed();
  });

  it("closes a connection that sends a truncated update", async () => {
    const raw = await authenticated("victim-doc");
    raw.send(
      frame("victim-doc", MessageType.Sync, (encoder) => {
        encoding.writeVarUint(encoder, SyncStep.Update);
        encoding.writeVarUint(encoder, 5000); // claims 5000 bytes, sends 3
        encoding.writeUint8Array(encoder, new Uint8Array([1, 2, 3]));
      }),
    );
    expect(await closeReason(raw)).toBe(Refusal.MalformedMessage);
    raw.close();
    await expectUnharmed();
  });

  it("closes a connection that sends an undecodable Yjs update", async () => {
    const raw = await authenticated("victim-doc");
    raw.send(
      frame("victim-doc", MessageType.Sync, (encoder) => {
        encoding.writeVarUint(encoder, SyncStep.Update);
        encoding.writeVarUint8Array(encoder, new Uint8Array([200, 1, 250, 250, 250, 1, 9]));
      }),
    );
    expect(await closeReason(raw)).toBe(Refusal.InvalidUpdate);
    raw.close();
    await expectUnharmed();
  });

  it("closes a connection that sends an unknown message type", async () => {
    const raw = await authenticated("victim-doc");
    raw.send(frame("victim-doc", 42, (encoder) => encoding.writeVarUint(encoder, 1)));
    expect(await closeReason(raw)).toBe(Refusal.UnknownMessageType);
    raw.close();
    await expectUnharmed();
  });

  it("closes a socket that sends garbage before authenticating", async () => {
    const raw = await RawSocket.open(server.wsUrl);
    raw.send(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    await waitUntil(() => raw.closed !== null, "the socket to close");
    await expectUnharmed();
  });

  it("closes with 1009 when a message exceeds MAX_MESSAGE_BYTES", async () => {
    const raw = await authenticated("victim-doc");
    const big = new Y.Doc();
    big.getText("text").insert(0, "z".repeat(MAX * 2));
    raw.send(
      frame("victim-doc", MessageType.Sync, (encoder) => {
        encoding.writeVarUint(encoder, SyncStep.Update);
        encoding.writeVarUint8Array(encoder, Y.encodeStateAsUpdate(big));
      }),
    );
    await waitUntil(() => raw.closed !== null, "the socket to close");
    expect(raw.closed?.code).toBe(1009);
    await expectUnharmed();
    expect(bystander.text.toString()).not.toContain("zzzz");
  });

  it("closes with 1003 on text frames", async () => {
    const raw = await RawSocket.open(server.wsUrl);
    raw.ws.send("hello");
    await waitUntil(() => raw.closed !== null, "the socket to close");
    expect(raw.closed?.code).toBe(1003);
    await expectUnharmed();
  });

  it("refuses deleted documents and drops their live connections", async () => {
    const doomed = connectClient(server.wsUrl, "doomed-doc");
    await waitSynced(doomed);
    doomed.text.insert(0, "bye");
    await waitAcknowledged(doomed);
    const reasons: string[] = [];
    doomed.provider.on("authenticationFailed", ({ reason }: { reason: string }) =>
      reasons.push(reason),
    );
    expect((await fetch(`${server.url}/api/docs/doomed-doc`, { method: "DELETE" })).status).toBe(
      204,
    );
    // The provider is disconnected, reconnects, and is then refused for good.
    await waitUntil(() => reasons.length > 0, "the deleted document to be refused");
    expect(reasons[0]).toBe(Refusal.DocumentDeleted);
    doomed.destroy();
    await waitUntil(
      () => !server.hocuspocus.documents.has("doomed-doc"),
      "unload of the deleted doc",
    );
    expect(
      await server.storage.log.load("doomed-doc").catch((error: Error) => error.message),
    ).toMatch(/deleted/);
    await expectUnharmed();
  });

  it("refuses upgrades on unknown paths", async () => {
    const result = await RawSocket.open(`${server.url.replace("http", "ws")}/elsewhere`).then(
      () => "opened",
      (error: Error) => error.message,
    );
    expect(result).toMatch(/404/);
  });
});
