import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as Y from "yjs";
import type { LevelStorage } from "@/server/storage/level/level-storage";
import { openLevelDbStorage } from "@/server/storage/level/leveldb-storage";
import { createMemoryStorage } from "@/server/storage/level/memory-storage";

function oneInsert(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText("text").insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

describe("LevelDB update log: a load sees every append started before it", () => {
  let dir: string | undefined;
  let storage: LevelStorage | undefined;
  afterEach(async () => {
    await storage?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    storage = undefined;
    dir = undefined;
  });

  it("includes an append still being written when the load starts", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tandem-update-log-"));
    storage = await openLevelDbStorage({ dir });
    // A sender's last update is still in its group commit when the document is
    // loaded again (its only connection closed, someone else opens it).
    for (let n = 0; n < 40; n++) {
      const id = `doc-${n}`;
      const appended = storage.log.append(id, oneInsert(`edit ${n}`));
      const loaded = await storage.log.load(id);
      await appended;
      const doc = new Y.Doc();
      for (const update of loaded?.updates ?? []) Y.applyUpdate(doc, update);
      expect(doc.getText("text").toString()).toBe(`edit ${n}`);
    }
  });

  it("includes appends queued behind a commit in flight", async () => {
    const memory = createMemoryStorage();
    const db = memory.db;
    const original = db.batch.bind(db) as (...args: unknown[]) => Promise<void>;
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const batch = vi.spyOn(db, "batch").mockImplementationOnce((async (...args: unknown[]) => {
      await held;
      return original(...args);
    }) as never);
    const first = memory.log.append("queued", oneInsert("a"));
    await vi.waitFor(() => expect(batch).toHaveBeenCalledTimes(1));
    // The first commit is being written; this append waits for the next one.
    const second = memory.log.append("queued", oneInsert("b"));
    const loading = memory.log.load("queued");
    release();
    const loaded = await loading;
    await Promise.all([first, second]);
    expect(batch).toHaveBeenCalledTimes(2);
    expect(loaded?.logEntries).toBe(2);
    await memory.close();
  });
});
