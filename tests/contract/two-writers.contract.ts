import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { Storage } from "@/server/storage/storage";
import { code, editingSession, oneInsert, rebuild, textOf } from "./storage.contract";

/** Two Storage instances over one backend: two writers, as two server instances would be. */
export interface TwoWriterFixture {
  first: Storage;
  second: Storage;
  cleanup(): Promise<void>;
}

/**
 * What several writers on one backend must get right: entries never collide,
 * a compaction never loses another writer's append, and nothing one writer
 * remembers contradicts what the other did.
 */
export function runTwoWriterContract(name: string, make: () => Promise<TwoWriterFixture>): void {
  describe(`Storage contract, two writers: ${name}`, () => {
    let fixture: TwoWriterFixture;
    let a: Storage;
    let b: Storage;
    beforeEach(async () => {
      fixture = await make();
      a = fixture.first;
      b = fixture.second;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it("keeps interleaved appends from both, loaded through either", async () => {
      const texts: string[] = [];
      const appends: Promise<void>[] = [];
      for (let i = 0; i < 100; i++) {
        const text = `w${i % 2}-${i};`;
        texts.push(text);
        appends.push((i % 2 === 0 ? a : b).log.append("shared", oneInsert(text)));
        if (i % 10 === 9) await Promise.all(appends);
      }
      await Promise.all(appends);
      for (const storage of [a, b]) {
        const loaded = await storage.log.load("shared");
        expect(loaded?.logEntries).toBe(100);
        const text = rebuild(loaded?.updates ?? [])
          .getText("text")
          .toString();
        for (const part of texts) expect(text).toContain(part);
        expect((await storage.log.stats("shared")).entries).toBe(100);
      }
    });

    it("never loses the other writer's append to a compaction", async () => {
      const writer = new Y.Doc();
      const pending: Uint8Array[] = [];
      writer.on("update", (update: Uint8Array) => pending.push(update));
      const edit = (i: number) => writer.getText("text").insert(0, `${i};`);
      for (let round = 0; round < 40; round++) {
        for (let i = 0; i < 3; i++) edit(round * 10 + i);
        await Promise.all(pending.splice(0).map((update) => a.log.append("busy", update)));
        for (let i = 3; i < 8; i++) edit(round * 10 + i);
        const racing = pending.splice(0).map((update) => b.log.append("busy", update));
        const compacting = (round % 2 === 0 ? a : b).log.compact("busy");
        await Promise.all([compacting, ...racing]);
        expect(await textOf(round % 2 === 0 ? b : a, "busy")).toBe(
          writer.getText("text").toString(),
        );
      }
      await a.log.compact("busy");
      expect(await textOf(b, "busy")).toBe(writer.getText("text").toString());
      const loaded = await b.log.load("busy");
      expect(await a.log.stats("busy")).toMatchObject({
        entries: loaded?.logEntries,
        bytes: loaded?.logBytes,
      });
    });

    it("survives both writers compacting one document at once", async () => {
      const { doc, updates } = editingSession(60);
      for (const [i, update] of updates.entries()) {
        await (i % 2 === 0 ? a : b).log.append("twice", update);
        if (i % 15 === 14) await Promise.all([a.log.compact("twice"), b.log.compact("twice")]);
      }
      await Promise.all([a.log.compact("twice"), b.log.compact("twice")]);
      expect(await textOf(a, "twice")).toBe(doc.getText("text").toString());
      const loaded = await a.log.load("twice");
      expect(loaded?.logEntries).toBe(0);
      const snapshotBytes = loaded?.updates[0]?.byteLength;
      expect(await b.log.stats("twice")).toEqual({
        entries: 0,
        bytes: 0,
        totalBytes: snapshotBytes,
      });
      expect((await b.catalog.create("twice", "Twice")).sizeBytes).toBe(snapshotBytes);
    });

    it("shows each writer's catalog changes to the other at once", async () => {
      const created = await a.catalog.create("seen", "First");
      expect(await b.catalog.get("seen")).toEqual(created);
      expect(await code(b.catalog.create("seen", "Again"))).toBe("exists");
      await b.log.append("seen", oneInsert("from b"));
      const afterAppend = await a.catalog.get("seen");
      expect(afterAppend?.sizeBytes).toBeGreaterThan(0);
      expect(await a.log.stats("seen")).toMatchObject({ entries: 1 });

      const renamed = await b.catalog.rename("seen", "Second");
      expect((await a.catalog.get("seen"))?.title).toBe("Second");
      expect((await a.catalog.list()).find((meta) => meta.id === "seen")).toEqual(renamed);

      expect(await a.catalog.delete("seen")).toBe(true);
      expect(await b.catalog.isDeleted("seen")).toBe(true);
      expect(await b.catalog.get("seen")).toBeNull();
      expect(await b.catalog.list()).toEqual([]);
      expect(await b.catalog.delete("seen")).toBe(false);
      expect(await code(b.log.append("seen", oneInsert("late")))).toBe("deleted");
      expect(await code(b.log.load("seen"))).toBe("deleted");
      expect(await code(b.log.compact("seen"))).toBe("deleted");
      expect(await code(b.catalog.rename("seen", "x"))).toBe("deleted");
      expect(await code(b.catalog.create("seen", "x"))).toBe("deleted");
    });

    it("lets one writer's delete win over the other's appends racing it", async () => {
      for (let round = 0; round < 10; round++) {
        const id = `raced-${round}`;
        await a.catalog.create(id, "Raced");
        await b.log.append(id, oneInsert("first"));
        const appends = Array.from({ length: 10 }, (_, i) =>
          code(b.log.append(id, oneInsert(`${i}`))),
        );
        const deleted = a.catalog.delete(id);
        const late = Array.from({ length: 5 }, () => code(b.log.append(id, oneInsert("late"))));
        expect(await deleted).toBe(true);
        for (const outcome of await Promise.all(appends)) {
          expect(["resolved", "deleted"]).toContain(outcome);
        }
        await Promise.all(late);
        expect(await code(a.log.load(id))).toBe("deleted");
        expect(await b.log.stats(id)).toEqual({ entries: 0, bytes: 0, totalBytes: 0 });
      }
    });
  });
}
