import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as Y from "yjs";
import type { LevelStorage } from "@/server/storage/level/level-storage";
import { code, oneInsert, textOf } from "./storage.contract";

export interface LevelStorageFixture {
  storage: LevelStorage;
  cleanup(): Promise<void>;
}

const encoder = new TextEncoder();
const json = (value: unknown) => encoder.encode(JSON.stringify(value));
const oldLogKey = (id: string, seq: number) => `d!${id}!l!${seq.toString(16).padStart(16, "0")}`;

/** A write failure as LevelDB reports a full disk. */
function diskFull(): Error {
  return Object.assign(new Error("IO error: 000005.log: No space left on device"), {
    code: "LEVEL_IO_ERROR",
  });
}

/** The level storage's key layout, old data and recovery, on any abstract-level database. */
export function runLevelStorageContract(
  name: string,
  make: () => Promise<LevelStorageFixture>,
): void {
  describe(`Level storage layout and recovery: ${name}`, () => {
    let fixture: LevelStorageFixture;
    let storage: LevelStorage;
    beforeEach(async () => {
      fixture = await make();
      storage = fixture.storage;
    });
    afterEach(async () => {
      vi.restoreAllMocks();
      await fixture.cleanup();
    });

    async function keysOf(id: string): Promise<string[]> {
      const keys: string[] = [];
      for await (const key of storage.db.keys()) if (key.slice(2).startsWith(id)) keys.push(key);
      return keys;
    }

    it("keys one writer's log entries uniquely, in the order they were appended", async () => {
      const updates = Array.from({ length: 30 }, (_, i) => oneInsert(`u${i}`));
      for (const update of updates.slice(0, 10)) await storage.log.append("keyed", update);
      await Promise.all(updates.slice(10).map((update) => storage.log.append("keyed", update)));
      const keys = (await keysOf("keyed")).filter((key) => key.startsWith("d!"));
      expect(keys).toHaveLength(30);
      for (const key of keys) expect(key).toMatch(/^d!keyed!l![0-9a-f]{18}![0-9a-f]{8}$/);
      const loaded = await storage.log.load("keyed");
      expect(loaded?.updates.map((update) => Uint8Array.from(update))).toEqual(updates);
    });

    it("reads, lists, extends and compacts data written in the old format", async () => {
      const history = new Y.Doc();
      const entries: Uint8Array[] = [];
      history.on("update", (update: Uint8Array) => entries.push(update));
      for (const word of ["one ", "two ", "three "]) {
        history.getText("text").insert(history.getText("text").length, word);
      }
      const [snapshot, ...log] = entries as [Uint8Array, ...Uint8Array[]];
      const size = entries.reduce((sum, entry) => sum + entry.byteLength, 0);
      await storage.db.batch([
        { type: "put", key: "d!old!s", value: snapshot },
        ...log.map((value, seq) => ({ type: "put" as const, key: oldLogKey("old", seq), value })),
        {
          type: "put",
          key: "m!old",
          value: json({ title: "Old", createdAt: 1000, updatedAt: 2000, sizeBytes: size }),
        },
      ]);
      const meta = { id: "old", title: "Old", createdAt: 1000, updatedAt: 2000, sizeBytes: size };
      expect(await storage.catalog.get("old")).toEqual(meta);
      expect(await storage.catalog.list()).toEqual([meta]);
      expect(await storage.log.stats("old")).toEqual({
        entries: 2,
        bytes: size - snapshot.byteLength,
        totalBytes: size,
      });
      // Counted once, then recorded.
      await vi.waitFor(async () => expect(await storage.db.get("a!old")).toBeDefined());
      expect(await storage.catalog.get("old")).toEqual(meta);
      expect(await textOf(storage, "old")).toBe("one two three ");

      history.getText("text").insert(0, "zero ");
      await storage.log.append("old", entries[entries.length - 1] as Uint8Array);
      const keys = await keysOf("old");
      const logKeys = keys.filter((key) => key.startsWith("d!old!l!"));
      expect(logKeys.slice(0, 2)).toEqual([oldLogKey("old", 0), oldLogKey("old", 1)]);
      expect(logKeys[2]).toMatch(/^d!old!l![0-9a-f]{18}![0-9a-f]{8}$/);
      expect(await textOf(storage, "old")).toBe("zero one two three ");
      const updated = await storage.catalog.get("old");
      expect(updated?.updatedAt).toBeGreaterThan(2000);
      expect(updated?.sizeBytes).toBe(size + (entries[entries.length - 1]?.byteLength ?? 0));

      expect((await storage.log.compact("old")).merged).toBe(3);
      expect(await textOf(storage, "old")).toBe("zero one two three ");
      expect((await keysOf("old")).filter((key) => key.startsWith("d!"))).toEqual(["d!old!s"]);
      expect(await storage.log.stats("old")).toMatchObject({ entries: 0, bytes: 0 });
    });

    it("keeps a document whose records are unreadable", async () => {
      const update = oneInsert("still here");
      await storage.db.batch([
        { type: "put", key: "m!bent", value: encoder.encode("{not json") },
        { type: "put", key: "a!bent", value: encoder.encode("[]") },
        { type: "put", key: oldLogKey("bent", 0), value: update },
      ]);
      const listed = await storage.catalog.list();
      expect(listed).toEqual([
        { id: "bent", title: "", createdAt: 0, updatedAt: 0, sizeBytes: update.byteLength },
      ]);
      expect(await textOf(storage, "bent")).toBe("still here");
      await storage.log.append("bent", oneInsert("more"));
      expect(await storage.log.stats("bent")).toMatchObject({ entries: 2 });
      expect((await storage.catalog.rename("bent", "Mended")).title).toBe("Mended");
    });

    it("leaves nothing of a deleted document but its tombstone", async () => {
      await storage.catalog.create("gone", "Gone");
      await storage.catalog.create("gone-not", "Neighbour");
      for (let i = 0; i < 5; i++) await storage.log.append("gone", oneInsert(`${i}`));
      await storage.log.compact("gone");
      await storage.log.append("gone", oneInsert("after"));
      await storage.log.append("gone-not", oneInsert("kept"));
      expect(await storage.catalog.delete("gone")).toBe(true);
      expect(await keysOf("gone")).toEqual(
        expect.arrayContaining(["t!gone", "m!gone-not", "a!gone-not"]),
      );
      expect(
        (await keysOf("gone")).filter((key) => key.endsWith("gone") || key.includes("gone!")),
      ).toEqual(["t!gone"]);
      expect(await textOf(storage, "gone-not")).toBe("kept");
    });

    it("refuses writes after a failed one until check() reopens the database", async () => {
      await storage.catalog.create("io", "IO");
      await storage.log.append("io", oneInsert("before;"));
      const batch = vi.spyOn(storage.db, "batch").mockRejectedValueOnce(diskFull() as never);
      const close = vi.spyOn(storage.db, "close");
      const open = vi.spyOn(storage.db, "open");

      expect(await code(storage.log.append("io", oneInsert("lost;")))).toBe("unavailable");
      const calls = batch.mock.calls.length;
      // Failed: refused at once, without trying the database again.
      expect(await code(storage.log.append("io", oneInsert("refused;")))).toBe("unavailable");
      expect(await code(storage.catalog.create("io-2", "x"))).toBe("unavailable");
      expect(await code(storage.log.compact("io"))).toBe("unavailable");
      expect(batch.mock.calls.length).toBe(calls);
      // Reads still work.
      expect(await textOf(storage, "io")).toBe("before;");
      expect((await storage.catalog.get("io"))?.title).toBe("IO");

      await Promise.all([storage.check(), storage.check()]);
      expect(close).toHaveBeenCalledTimes(1);
      expect(open).toHaveBeenCalledTimes(1);
      expect(storage.db.status).toBe("open");
      await storage.log.append("io", oneInsert("after;"));
      const text = await textOf(storage, "io");
      expect(text).toContain("before;");
      expect(text).toContain("after;");
      expect(text).not.toContain("lost;");
      // Healthy again: a check no longer reopens.
      await storage.check();
      expect(open).toHaveBeenCalledTimes(1);
    });

    it("keeps refusing writes while check() itself cannot write", async () => {
      vi.spyOn(storage.db, "batch").mockRejectedValueOnce(diskFull() as never);
      const put = vi.spyOn(storage.db, "put").mockRejectedValueOnce(diskFull() as never);
      expect(await code(storage.log.append("full", oneInsert("x")))).toBe("unavailable");
      expect(await code(storage.check())).toBe("unavailable");
      expect(await code(storage.log.append("full", oneInsert("y")))).toBe("unavailable");
      await storage.check();
      expect(put).toHaveBeenCalledTimes(2);
      await storage.log.append("full", oneInsert("z"));
      expect(await textOf(storage, "full")).toBe("z");
    });
  });
}
