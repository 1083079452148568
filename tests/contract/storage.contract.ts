import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { Storage } from "@/server/storage/storage";
import { StoreError } from "@/server/storage/store-error";
import { waitUntil } from "../helpers/wait";

export interface StorageFixture {
  storage: Storage;
  cleanup(): Promise<void>;
}

export function rebuild(updates: readonly Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return doc;
}

/** Edits a doc and returns each transaction's update, touching several shared types. */
export function editingSession(count: number): { doc: Y.Doc; updates: Uint8Array[] } {
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

/** One independent update inserting `text` (its own client id). */
export function oneInsert(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText("text").insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

export async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "resolved";
  } catch (error) {
    return error instanceof StoreError ? error.code : `other: ${String(error)}`;
  }
}

export async function textOf(storage: Storage, id: string): Promise<string> {
  return rebuild((await storage.log.load(id))?.updates ?? [])
    .getText("text")
    .toString();
}

/** Waits until the clock has moved past `time`, so that the next write is stamped later. */
const clockPast = (time: number) =>
  waitUntil(() => Date.now() > time, "the clock to move past the last write");

/** One suite every Storage (update log and document catalog) must pass. */
export function runStorageContract(name: string, make: () => Promise<StorageFixture>): void {
  describe(`Storage contract: ${name}`, () => {
    let fixture: StorageFixture;
    let storage: Storage;
    beforeEach(async () => {
      fixture = await make();
      storage = fixture.storage;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it("round-trips the whole document, every shared type", async () => {
      const { doc, updates } = editingSession(60);
      for (const update of updates) await storage.log.append("doc-1", update);
      const loaded = await storage.log.load("doc-1");
      expect(loaded?.logEntries).toBe(updates.length);
      const copy = rebuild(loaded?.updates ?? []);
      expect(copy.getText("text").toString()).toBe(doc.getText("text").toString());
      expect(copy.getMap("map").toJSON()).toEqual(doc.getMap("map").toJSON());
      expect(copy.getArray("list").toJSON()).toEqual(doc.getArray("list").toJSON());
      expect(copy.getXmlFragment("default").length).toBe(doc.getXmlFragment("default").length);
      expect(Y.encodeStateVector(copy)).toEqual(Y.encodeStateVector(doc));
    });

    it("copies appended bytes: a caller reusing its buffer changes nothing stored", async () => {
      // ws hands out pooled Buffers; Buffer#slice would not copy.
      for (const [id, buffer] of [
        ["copied", new Uint8Array(oneInsert("kept"))],
        ["copied-buffer", Buffer.from(oneInsert("kept"))],
      ] as const) {
        const appended = storage.log.append(id, buffer);
        buffer.fill(0);
        await appended;
        expect(await textOf(storage, id)).toBe("kept");
      }
    });

    it("knows nothing of an unknown document", async () => {
      expect(await storage.log.load("never-seen")).toBeNull();
      expect(await storage.log.stats("never-seen")).toEqual({
        entries: 0,
        bytes: 0,
        totalBytes: 0,
      });
      expect(await storage.catalog.get("never-seen")).toBeNull();
      expect(await storage.catalog.isDeleted("never-seen")).toBe(false);
      expect((await storage.log.compact("never-seen")).merged).toBe(0);
      expect(await code(storage.catalog.rename("never-seen", "x"))).toBe("not-found");
      expect(await storage.catalog.delete("never-seen")).toBe(false);
      expect(await storage.catalog.isDeleted("never-seen")).toBe(false);
    });

    it("accepts appends to a document the catalog does not know, listing it once created", async () => {
      const { updates } = editingSession(3);
      for (const update of updates) await storage.log.append("uncatalogued", update);
      expect(await storage.catalog.get("uncatalogued")).toBeNull();
      expect((await storage.catalog.list()).map((meta) => meta.id)).not.toContain("uncatalogued");
      const bytes = updates.reduce((sum, update) => sum + update.byteLength, 0);
      const created = await storage.catalog.create("uncatalogued", "Later");
      expect(created).toMatchObject({ id: "uncatalogued", title: "Later", sizeBytes: bytes });
      expect(await storage.catalog.get("uncatalogued")).toEqual(created);
    });

    it("keeps stats in step with appends and compaction", async () => {
      const { updates } = editingSession(30);
      let bytes = 0;
      for (const [i, update] of updates.entries()) {
        await storage.log.append("stats", update);
        bytes += update.byteLength;
        if (i % 10 === 9) {
          expect(await storage.log.stats("stats")).toEqual({
            entries: i + 1,
            bytes,
            totalBytes: bytes,
          });
        }
      }
      const result = await storage.log.compact("stats");
      expect(await storage.log.stats("stats")).toEqual({
        entries: 0,
        bytes: 0,
        totalBytes: result.snapshotBytes,
      });
      await storage.log.append("stats", updates[0] as Uint8Array);
      const size = (updates[0] as Uint8Array).byteLength;
      expect(await storage.log.stats("stats")).toEqual({
        entries: 1,
        bytes: size,
        totalBytes: result.snapshotBytes + size,
      });
    });

    it("compacts to one snapshot with identical content and an empty log", async () => {
      const { doc, updates } = editingSession(120);
      await storage.catalog.create("c", "Compacted");
      for (const update of updates) await storage.log.append("c", update);
      const before = await storage.log.stats("c");
      expect(before.entries).toBe(updates.length);
      const result = await storage.log.compact("c");
      expect(result.merged).toBe(updates.length);
      const loaded = await storage.log.load("c");
      expect(loaded?.updates).toHaveLength(1);
      expect(loaded?.logEntries).toBe(0);
      const copy = rebuild(loaded?.updates ?? []);
      expect(copy.getText("text").toString()).toBe(doc.getText("text").toString());
      expect(Y.encodeStateVector(copy)).toEqual(Y.encodeStateVector(doc));
      expect((await storage.catalog.get("c"))?.sizeBytes).toBe(result.snapshotBytes);
      expect(result.snapshotBytes).toBeLessThan(before.bytes);
      expect(await storage.log.compact("c")).toEqual({
        merged: 0,
        snapshotBytes: result.snapshotBytes,
      });
    });

    it("runs one compaction per document at a time", async () => {
      const { updates } = editingSession(20);
      for (const update of updates) await storage.log.append("once", update);
      const [first, second] = await Promise.all([
        storage.log.compact("once"),
        storage.log.compact("once"),
      ]);
      expect(first).toEqual(second);
      expect(first.merged).toBe(updates.length);
    });

    it("keeps appends that race a compaction", async () => {
      const { doc, updates } = editingSession(80);
      const half = updates.length / 2;
      for (const update of updates.slice(0, half)) await storage.log.append("race", update);
      const compaction = storage.log.compact("race");
      const appends = updates.slice(half).map((update) => storage.log.append("race", update));
      await Promise.all([compaction, ...appends]);
      expect(await textOf(storage, "race")).toBe(doc.getText("text").toString());
      await storage.log.compact("race");
      expect(await textOf(storage, "race")).toBe(doc.getText("text").toString());
      expect((await storage.log.stats("race")).entries).toBe(0);
    });

    it("lands 200 concurrent appends across 10 documents", async () => {
      const sessions = Array.from({ length: 10 }, () => editingSession(20));
      await Promise.all(
        sessions.flatMap(({ updates }, d) =>
          updates.map((u) => storage.log.append(`many-${d}`, u)),
        ),
      );
      for (const [d, { doc, updates }] of sessions.entries()) {
        expect(await textOf(storage, `many-${d}`)).toBe(doc.getText("text").toString());
        expect((await storage.log.stats(`many-${d}`)).entries).toBe(updates.length);
      }
    });

    it("includes in a load every append started before it", async () => {
      for (let n = 0; n < 20; n++) {
        const id = `reload-${n}`;
        const appended = storage.log.append(id, oneInsert(`edit ${n}`));
        const loaded = await storage.log.load(id);
        await appended;
        expect(
          rebuild(loaded?.updates ?? [])
            .getText("text")
            .toString(),
        ).toBe(`edit ${n}`);
      }
    });

    it("manages the catalog: create, list newest first, rename, titles as given", async () => {
      const a = await storage.catalog.create("a-doc", "Alpha");
      expect(a).toMatchObject({ id: "a-doc", title: "Alpha", sizeBytes: 0 });
      expect(a.updatedAt).toBe(a.createdAt);
      expect(await code(storage.catalog.create("a-doc", "again"))).toBe("exists");
      const b = await storage.catalog.create("b-doc", "Beta");
      await clockPast(b.updatedAt);
      const renamed = await storage.catalog.rename("a-doc", "Alpha 2");
      expect(renamed.title).toBe("Alpha 2");
      expect(renamed.updatedAt).toBeGreaterThan(a.updatedAt);
      const list = await storage.catalog.list();
      expect(list.map((meta) => meta.id)).toEqual(["a-doc", "b-doc"]);
      expect(list[0]).toEqual(renamed);
      // Titles arrive normalised; the catalog stores exactly what it is given.
      expect((await storage.catalog.rename("b-doc", "  spaced  ")).title).toBe("  spaced  ");
    });

    it("moves updatedAt and sizeBytes with the log", async () => {
      const created = await storage.catalog.create("busy", "Busy");
      await clockPast(created.updatedAt);
      const update = oneInsert("hello");
      await storage.log.append("busy", update);
      const meta = await storage.catalog.get("busy");
      expect(meta?.createdAt).toBe(created.createdAt);
      expect(meta?.updatedAt).toBeGreaterThan(created.updatedAt);
      expect(meta?.sizeBytes).toBe(update.byteLength);
      const quiet = await storage.catalog.create("quiet", "Quiet");
      await clockPast(quiet.updatedAt);
      await storage.log.append("busy", oneInsert("again"));
      expect((await storage.catalog.list()).map((entry) => entry.id)).toEqual(["busy", "quiet"]);
    });

    it("deletes everything and refuses the document afterwards", async () => {
      await storage.catalog.create("b-doc", "Beta");
      await storage.catalog.create("kept", "Kept");
      const { updates } = editingSession(10);
      for (const update of updates.slice(0, 5)) await storage.log.append("b-doc", update);
      await storage.log.compact("b-doc");
      for (const update of updates.slice(5)) await storage.log.append("b-doc", update);

      expect(await storage.catalog.delete("b-doc")).toBe(true);
      expect(await storage.catalog.delete("b-doc")).toBe(false);
      expect(await storage.catalog.isDeleted("b-doc")).toBe(true);
      expect(await storage.catalog.get("b-doc")).toBeNull();
      expect((await storage.catalog.list()).map((meta) => meta.id)).toEqual(["kept"]);
      expect(await storage.log.stats("b-doc")).toEqual({ entries: 0, bytes: 0, totalBytes: 0 });
      const update = updates[0] as Uint8Array;
      expect(await code(storage.log.load("b-doc"))).toBe("deleted");
      expect(await code(storage.log.append("b-doc", update))).toBe("deleted");
      expect(await code(storage.log.compact("b-doc"))).toBe("deleted");
      expect(await code(storage.catalog.create("b-doc", "reborn"))).toBe("deleted");
      expect(await code(storage.catalog.rename("b-doc", "x"))).toBe("deleted");
      expect(await storage.catalog.isDeleted("kept")).toBe(false);
    });

    it("deletes a document that has data but no catalog entry", async () => {
      await storage.log.append("orphan", oneInsert("x"));
      expect(await storage.catalog.delete("orphan")).toBe(true);
      expect(await code(storage.log.load("orphan"))).toBe("deleted");
    });

    it("lets a delete win over appends and a compaction racing it", async () => {
      for (let round = 0; round < 10; round++) {
        const id = `contested-${round}`;
        const { updates } = editingSession(20);
        await storage.catalog.create(id, "Contested");
        for (const update of updates.slice(0, 10)) await storage.log.append(id, update);
        const compaction = code(storage.log.compact(id));
        const before = updates.slice(10, 15).map((update) => code(storage.log.append(id, update)));
        const deleted = storage.catalog.delete(id);
        const after = updates.slice(15).map((update) => code(storage.log.append(id, update)));
        expect(await deleted).toBe(true);
        expect(["resolved", "deleted"]).toContain(await compaction);
        for (const outcome of await Promise.all(before)) {
          expect(["resolved", "deleted"]).toContain(outcome);
        }
        for (const outcome of await Promise.all(after)) expect(outcome).toBe("deleted");
        expect(await code(storage.log.load(id))).toBe("deleted");
        expect(await storage.log.stats(id)).toEqual({ entries: 0, bytes: 0, totalBytes: 0 });
      }
    });

    it("checks that it can write", async () => {
      await Promise.all([storage.check(), storage.check()]);
      await storage.check();
    });

    it("closes idempotently and refuses work afterwards", async () => {
      const { updates } = editingSession(3);
      const pending = updates.map((update) => storage.log.append("closing", update));
      const created = storage.catalog.create("closing", "Closing");
      await Promise.all([storage.close(), storage.close()]);
      await Promise.all(pending);
      await created;
      const update = updates[0] as Uint8Array;
      expect(await code(storage.log.append("closing", update))).toBe("closed");
      expect(await code(storage.log.load("closing"))).toBe("closed");
      expect(await code(storage.catalog.get("closing"))).toBe("closed");
      expect(await code(storage.catalog.create("other", "x"))).toBe("closed");
      expect(await code(storage.check())).toBe("closed");
    });
  });
}
