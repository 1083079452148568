import { Document } from "@hocuspocus/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import type { PollAnswer } from "@/lib/protocol/http-sync";
import { decodeAwarenessUpdate } from "@/server/http/sync/awareness-codec";
import { type Listener, LiveDoc } from "@/server/http/sync/live-doc";
import { httpOrigin } from "@/server/sync/origins";

const EMPTY_SV = new Uint8Array([0]);

function poll(
  doc: LiveDoc,
  options: { sv?: Uint8Array; client?: number; since?: string; force?: boolean } = {},
): PollAnswer | null {
  const sv = options.sv ?? EMPTY_SV;
  return doc.pollAnswer(
    Y.decodeStateVector(sv),
    sv,
    options.client,
    options.since,
    options.force ?? false,
  );
}

/** An awareness update from another client, as an HTTP client would post it. */
function presence(clientId: number, state: Record<string, unknown> | null): Uint8Array {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  const awareness = new awarenessProtocol.Awareness(doc);
  awareness.setLocalState(state);
  return awarenessProtocol.encodeAwarenessUpdate(awareness, [clientId]);
}

describe("LiveDoc: what an HTTP client has not seen yet", () => {
  let document: Document;
  let doc: LiveDoc;
  let released = 0;
  beforeEach(() => {
    document = new Document("live");
    released = 0;
    doc = new LiveDoc(
      "live",
      {
        async disconnect() {
          released += 1;
        },
      },
      document,
    );
  });
  afterEach(() => {
    document.destroy();
  });

  it("answers a fresh poll with everything, then nothing until something changes", () => {
    document.getText("text").insert(0, "hello");
    const first = poll(doc);
    expect(first?.update).not.toBeNull();
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Buffer.from(first?.update ?? "", "base64"));
    expect(copy.getText("text").toString()).toBe("hello");
    const sv = Y.encodeStateVector(copy);
    expect(poll(doc, { sv, since: first?.cursor })).toBeNull();
    expect(poll(doc, { sv, since: first?.cursor, force: true })?.update).toBeNull();

    document.getText("text").insert(5, "!");
    const next = poll(doc, { sv, since: first?.cursor });
    Y.applyUpdate(copy, Buffer.from(next?.update ?? "", "base64"));
    expect(copy.getText("text").toString()).toBe("hello!");
  });

  it("sees a deletion, which does not move the state vector, through the cursor", () => {
    document.getText("text").insert(0, "abc");
    const first = poll(doc);
    const copy = new Y.Doc();
    Y.applyUpdate(copy, Buffer.from(first?.update ?? "", "base64"));
    document.getText("text").delete(0, 1);
    const sv = Y.encodeStateVector(copy);
    expect(Y.encodeStateVector(document)).toEqual(sv);
    const next = poll(doc, { sv, since: first?.cursor });
    Y.applyUpdate(copy, Buffer.from(next?.update ?? "", "base64"));
    expect(copy.getText("text").toString()).toBe("bc");
  });

  it("does not wake a client for its own update, and treats a foreign cursor as fresh", () => {
    const first = poll(doc, { client: 7 });
    const sender = new Y.Doc();
    sender.getText("text").insert(0, "mine");
    Y.applyUpdate(document, Y.encodeStateAsUpdate(sender), httpOrigin(7));
    expect(
      poll(doc, { sv: Y.encodeStateVector(sender), client: 7, since: first?.cursor }),
    ).toBeNull();
    expect(
      poll(doc, { sv: Y.encodeStateVector(sender), client: 8, since: first?.cursor }),
    ).not.toBeNull();
    expect(poll(doc, { since: "someone-else.3" })?.update).not.toBeNull();
  });

  it("tells listeners who sent an update, and drops an HTTP client's presence when it leaves", () => {
    const seen: Array<number | undefined> = [];
    const listener: Listener = {
      client: 5,
      onUpdate: (_encoded, sender) => seen.push(sender),
      onAwareness: () => undefined,
      onClose: () => undefined,
    };
    doc.listeners.add(listener);
    const from = (text: string) => {
      const other = new Y.Doc();
      other.getText(text).insert(0, text);
      return Y.encodeStateAsUpdate(other);
    };
    Y.applyUpdate(document, from("a"), httpOrigin(5));
    document.getText("text").insert(0, "x");
    Y.applyUpdate(document, from("b"), httpOrigin(9));
    expect(seen).toEqual([5, undefined, 9]);

    const update = presence(5, { user: { name: "Ada" } });
    doc.applyAwareness(update, decodeAwarenessUpdate(update));
    expect(document.awareness.getStates().has(5)).toBe(true);
    // Still listening: the presence stays.
    doc.dropAwareness(5);
    expect(document.awareness.getStates().has(5)).toBe(true);
    doc.listeners.delete(listener);
    doc.dropAwareness(5);
    expect(document.awareness.getStates().has(5)).toBe(false);
  });

  it("ends every listener with the reason when detached", () => {
    const reasons: string[] = [];
    doc.listeners.add({
      client: undefined,
      onUpdate: () => undefined,
      onAwareness: () => undefined,
      onClose: (reason) => reasons.push(reason),
    });
    doc.detach("document-deleted");
    expect(reasons).toEqual(["document-deleted"]);
    expect(doc.closedFor).toBe("document-deleted");
    expect(doc.listeners.size).toBe(0);
    expect(released).toBe(0);
  });
});

describe("awareness codec", () => {
  it("reads presence and removals and refuses anything else", () => {
    expect(decodeAwarenessUpdate(presence(3, { user: "x" }))).toEqual([
      { clientId: 3, present: true },
    ]);
    expect(decodeAwarenessUpdate(presence(4, null))).toEqual([{ clientId: 4, present: false }]);
    expect(() => decodeAwarenessUpdate(new Uint8Array([1, 2]))).toThrow();
    const trailing = new Uint8Array([...presence(3, { user: "x" }), 0]);
    expect(() => decodeAwarenessUpdate(trailing)).toThrow(/trailing/);
  });
});
