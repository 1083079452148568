import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ClassicLevel } from "classic-level";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { openLevelDbStorage } from "@/server/storage/level/leveldb-storage";
import { StoreError } from "@/server/storage/store-error";
import { runLevelStorageContract } from "./level-storage.contract";
import { oneInsert, runStorageContract, textOf } from "./storage.contract";

function lastCall(spy: { mock: { calls: unknown[][] } }): unknown[] {
  return spy.mock.calls.at(-1) ?? [];
}

async function onDisk(syncWrites?: boolean) {
  const dir = await mkdtemp(path.join(tmpdir(), "tandem-storage-"));
  const storage = await openLevelDbStorage({ dir, syncWrites });
  return {
    storage,
    async cleanup() {
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

runStorageContract("leveldb", () => onDisk());
runLevelStorageContract("leveldb", () => onDisk());
// No two-writer run here: LevelDB locks its directory to one process (see the
// lock test below); memory-storage.test.ts runs two writers on one database.

describe("LevelDB storage on disk", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tandem-storage-"));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it("group-commits concurrent appends into far fewer writes", async () => {
    const storage = await openLevelDbStorage({ dir });
    const batch = vi.spyOn(storage.db, "batch");
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        storage.log.append(`doc-${i % 10}`, oneInsert(`u${i}`)),
      ),
    );
    expect(batch.mock.calls.length).toBeGreaterThan(0);
    expect(batch.mock.calls.length).toBeLessThanOrEqual(20);
    await storage.close();
  });

  it("fsyncs each commit unless syncWrites is off", async () => {
    const synced = await openLevelDbStorage({ dir });
    const batch = vi.spyOn(synced.db, "batch");
    await synced.log.append("s", oneInsert("x"));
    expect(lastCall(batch)[1]).toMatchObject({ sync: true });
    await synced.close();

    const unsynced = await openLevelDbStorage({ dir, syncWrites: false });
    const unsyncedBatch = vi.spyOn(unsynced.db, "batch");
    await unsynced.log.append("s", oneInsert("y"));
    expect(lastCall(unsyncedBatch)[1]).toMatchObject({ sync: false });
    // The health check's probe is synced whatever the option.
    const put = vi.spyOn(unsynced.db, "put");
    await unsynced.check();
    expect(lastCall(put)[2]).toMatchObject({ sync: true });
    await unsynced.close();
  });

  it("keeps everything across close and reopen", async () => {
    const first = await openLevelDbStorage({ dir });
    await first.catalog.create("kept", "Kept");
    await first.log.append("kept", oneInsert("hello"));
    await first.catalog.create("gone", "Gone");
    await first.catalog.delete("gone");
    await first.close();
    const second = await openLevelDbStorage({ dir });
    expect(await textOf(second, "kept")).toBe("hello");
    expect((await second.catalog.get("kept"))?.title).toBe("Kept");
    expect(await second.catalog.isDeleted("gone")).toBe(true);
    await second.log.append("kept", oneInsert("more"));
    expect((await second.log.stats("kept")).entries).toBe(2);
    await second.close();
  });

  it("refuses to open a directory another process holds, naming it", async () => {
    const first = await openLevelDbStorage({ dir });
    const error = await openLevelDbStorage({ dir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe("unavailable");
    expect((error as Error).message).toContain(dir);
    expect((error as Error).message).toMatch(/locked/);
    await first.close();
  });

  it("refuses to compact a corrupt log entry and deletes nothing", async () => {
    const storage = await openLevelDbStorage({ dir });
    await storage.log.append("bad", oneInsert("good part"));
    await storage.close();
    const raw = new ClassicLevel<string, Uint8Array>(dir, { valueEncoding: "view" });
    await raw.put("d!bad!l!00000000000000ff", new Uint8Array([255, 255, 255, 1]));
    await raw.close();

    const reopened = await openLevelDbStorage({ dir });
    const error = await reopened.log.compact("bad").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe("corrupt");
    expect((error as Error).message).toContain("d!bad!l!00000000000000ff");
    const loaded = await reopened.log.load("bad");
    expect(loaded?.updates).toHaveLength(2);
    await reopened.close();
  });

  it("reopens the same database after a failed write and keeps what was written", async () => {
    const storage = await openLevelDbStorage({ dir });
    await storage.log.append("disk", oneInsert("before;"));
    vi.spyOn(storage.db, "batch").mockRejectedValueOnce(
      Object.assign(new Error("IO error: No space left on device"), { code: "LEVEL_IO_ERROR" }),
    );
    const closed = vi.fn();
    storage.db.on("closed", closed);
    expect(
      (await storage.log.append("disk", oneInsert("x")).catch((e: StoreError) => e))?.code,
    ).toBe("unavailable");
    await storage.check();
    expect(closed).toHaveBeenCalledTimes(1);
    await storage.log.append("disk", oneInsert("after;"));
    await storage.close();
    const reopened = await openLevelDbStorage({ dir });
    const text = await textOf(reopened, "disk");
    expect(text).toContain("before;");
    expect(text).toContain("after;");
    await reopened.close();
  });
});
