import { afterEach, describe, expect, it, vi } from "vitest";
import * as Y from "yjs";
import type { LevelDatabase } from "@/server/storage/level/database";
import { createMemoryDatabase, createMemoryStorage } from "@/server/storage/level/memory-storage";

function oneInsert(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText("text").insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

/**
 * Holds back the results of the next iterator opened on `db` (its view of
 * the data is fixed when it opens) until `release` is called.
 */
function holdNextIterator(db: LevelDatabase): { release(): void } {
  let release = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const original = db.iterator.bind(db);
  const spy = vi.spyOn(db, "iterator").mockImplementationOnce(((options: object) => {
    const iterator = original(options);
    const next = iterator.next.bind(iterator);
    iterator.next = async () => {
      await gate;
      return next();
    };
    return iterator;
  }) as never);
  return {
    release() {
      spy.mockRestore();
      release();
    },
  };
}

describe("two writers of one database", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("drops a compaction whose entries another writer merged meanwhile, losing nothing", async () => {
    const db = createMemoryDatabase();
    const slow = createMemoryStorage(db);
    const quick = createMemoryStorage(db);
    const raw = db as unknown as LevelDatabase;
    await quick.log.append("doc", oneInsert("first;"));

    // The slow writer reads the log (one entry) and is held before merging it.
    const held = holdNextIterator(raw);
    const slowCompaction = slow.log.compact("doc");
    await vi.waitFor(() => expect(raw.iterator).toHaveBeenCalled());

    // Meanwhile the other writer appends and compacts both entries.
    await quick.log.append("doc", oneInsert("second;"));
    expect((await quick.log.compact("doc")).merged).toBe(2);

    // The slow compaction's snapshot (first entry only) must not replace the newer one.
    held.release();
    expect((await slowCompaction).merged).toBe(0);
    const loaded = await slow.log.load("doc");
    const doc = new Y.Doc();
    for (const update of loaded?.updates ?? []) Y.applyUpdate(doc, update);
    expect(doc.getText("text").toString()).toContain("first;");
    expect(doc.getText("text").toString()).toContain("second;");
    expect(await slow.log.stats("doc")).toMatchObject({ entries: 0, bytes: 0 });

    await Promise.all([slow.close(), quick.close()]);
    await db.close();
  });

  it("leaves no entry of a document one writer deleted while the other appended", async () => {
    const db = createMemoryDatabase();
    const deleter = createMemoryStorage(db);
    const appender = createMemoryStorage(db);
    for (let round = 0; round < 20; round++) {
      const id = `raced-${round}`;
      await deleter.catalog.create(id, "Raced");
      await appender.log.append(id, oneInsert("first"));
      const appends = Array.from({ length: 20 }, (_, i) =>
        appender.log.append(id, oneInsert(`${i}`)).catch(() => undefined),
      );
      await Promise.resolve();
      expect(await deleter.catalog.delete(id)).toBe(true);
      await Promise.all(appends);
      const left: string[] = [];
      for await (const key of db.keys()) {
        if (key.slice(2) === id || key.startsWith(`d!${id}!`)) left.push(key);
      }
      expect(left).toEqual([`t!${id}`]);
    }
    await Promise.all([deleter.close(), appender.close()]);
    await db.close();
  });
});
