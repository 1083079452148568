import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { DocStore } from "@/server/storage/doc-store";
import { StoreError } from "@/server/storage/doc-store";

export interface StoreFixture {
  store: DocStore;
  cleanup(): Promise<void>;
}

function rebuild(updates: Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return doc;
}

/** Edits a doc and returns each transaction's update, touching several shared types. */
function editingSession(count: number): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on("update", (update: Uint8Array) => updates.push(update));
  for (let i = 0; i < count; i++) {
    doc.getText("text").insert(doc.getText("text").length, `line ${i}\n`);
    if (i % 5 === 0) doc.getText("text").delete(0, 2);
    if (i % 7 === 0) doc.getMap("map").set(`k${i}`, { i });
    if (i % 11 === 0) doc.getArray("list").push([i]);
    if (i % 13 === 0) doc.getXmlFragment("default").insert(0, [new Y.XmlElement("paragraph")]);
  }
  return { doc, updates };
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    return error instanceof StoreError ? error.code : `other: ${String(error)}`;
  }
}

/** One suite every DocStore must pass. */
export function runDocStoreContract(name: string, make: () => Promise<StoreFixture>): void {
  describe(`DocStore contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: DocStore;
    beforeEach(async () => {
      fixture = await make();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it("round-trips the whole document, every shared type", async () => {
      const { doc, updates } = editingSession(60);
      for (const update of updates) await store.append("doc-1", update);
      const loaded = await store.load("doc-1");
      expect(loaded?.logEntries).toBe(updates.length);
      const copy = rebuild(loaded?.updates ?? []);
      expect(copy.getText("text").toString()).toBe(doc.getText("text").toString());
      expect(copy.getMap("map").toJSON()).toEqual(doc.getMap("map").toJSON());
      expect(copy.getArray("list").toJSON()).toEqual(doc.getArray("list").toJSON());
      expect(copy.getXmlFragment("default").length).toBe(doc.getXmlFragment("default").length);
      expect(Y.encodeStateVector(copy)).toEqual(Y.encodeStateVector(doc));
    });

    it("returns null for unknown documents and creates metadata on first append", async () => {
      expect(await store.load("never-seen")).toBeNull();
      expect(await store.getMeta("never-seen")).toBeNull();
      const { updates } = editingSession(1);
      await store.append("auto", updates[0] as Uint8Array);
      const meta = await store.getMeta("auto");
      expect(meta?.title).toBe("Untitled");
      expect(meta?.sizeBytes).toBe(updates[0]?.byteLength);
    });

    it("compacts to one snapshot with identical content and an empty log", async () => {
      const { doc, updates } = editingSession(120);
      for (const update of updates) await store.append("c", update);
      const before = await store.logStats("c");
      expect(before.entries).toBe(updates.length);
      const result = await store.compact("c");
      expect(result.merged).toBe(updates.length);
      expect(await store.logStats("c")).toEqual({ entries: 0, bytes: 0 });
      const loaded = await store.load("c");
      expect(loaded?.updates).toHaveLength(1);
      const copy = rebuild(loaded?.updates ?? []);
      expect(copy.getText("text").toString()).toBe(doc.getText("text").toString());
      expect(Y.encodeStateVector(copy)).toEqual(Y.encodeStateVector(doc));
      expect((await store.getMeta("c"))?.sizeBytes).toBe(result.snapshotBytes);
      expect(result.snapshotBytes).toBeLessThan(before.bytes);
      expect((await store.compact("c")).merged).toBe(0);
    });

    it("keeps appends that race a compaction", async () => {
      const { doc, updates } = editingSession(80);
      const half = updates.length / 2;
      for (const update of updates.slice(0, half)) await store.append("race", update);
      const compaction = store.compact("race");
      const appends = updates.slice(half).map((update) => store.append("race", update));
      await Promise.all([compaction, ...appends]);
      const copy = rebuild((await store.load("race"))?.updates ?? []);
      expect(copy.getText("text").toString()).toBe(doc.getText("text").toString());
      await store.compact("race");
      const again = rebuild((await store.load("race"))?.updates ?? []);
      expect(again.getText("text").toString()).toBe(doc.getText("text").toString());
    });

    it("lands 200 concurrent appends across 10 documents", async () => {
      const sessions = Array.from({ length: 10 }, () => editingSession(20));
      await Promise.all(
        sessions.flatMap(({ updates }, d) => updates.map((u) => store.append(`many-${d}`, u))),
      );
      for (const [d, { doc }] of sessions.entries()) {
        const copy = rebuild((await store.load(`many-${d}`))?.updates ?? []);
        expect(copy.getText("text").toString()).toBe(doc.getText("text").toString());
      }
    });

    it("manages metadata: create, list newest first, rename, delete with a tombstone", async () => {
      const a = await store.create("a-doc", "  Alpha  ");
      expect(a.title).toBe("Alpha");
      expect(await code(store.create("a-doc", "again"))).toBe("exists");
      await store.create("b-doc", "Beta");
      await new Promise((resolve) => setTimeout(resolve, 5));
      await store.rename("a-doc", "Alpha 2");
      const list = await store.list();
      expect(list.map((meta) => meta.id)).toEqual(["a-doc", "b-doc"]);
      expect(list[0]?.title).toBe("Alpha 2");
      expect(await code(store.rename("nope", "x"))).toBe("not-found");

      const { updates } = editingSession(5);
      for (const update of updates) await store.append("b-doc", update);
      expect(await store.delete("b-doc")).toBe(true);
      expect(await store.delete("b-doc")).toBe(false);
      expect(await store.delete("never-existed")).toBe(false);
      expect(await store.isDeleted("b-doc")).toBe(true);
      expect(await store.getMeta("b-doc")).toBeNull();
      expect((await store.list()).map((meta) => meta.id)).toEqual(["a-doc"]);
      expect(await code(store.load("b-doc"))).toBe("deleted");
      expect(await code(store.append("b-doc", updates[0] as Uint8Array))).toBe("deleted");
      expect(await code(store.create("b-doc", "reborn"))).toBe("deleted");
      expect(await code(store.rename("b-doc", "x"))).toBe("deleted");
    });

    it("closes idempotently and refuses work afterwards", async () => {
      const { updates } = editingSession(3);
      const pending = updates.map((update) => store.append("closing", update));
      await Promise.all([store.close(), store.close()]);
      await Promise.all(pending);
      expect(await code(store.append("closing", updates[0] as Uint8Array))).toBe("closed");
    });
  });
}
