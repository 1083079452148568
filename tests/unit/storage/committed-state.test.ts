import { afterEach, describe, expect, it, vi } from "vitest";
import * as Y from "yjs";
import { CommittedState } from "@/server/storage/level/committed-state";
import { createMemoryDatabase, createMemoryStorage } from "@/server/storage/level/memory-storage";
import type { Storage } from "@/server/storage/storage";
import { StoreError } from "@/server/storage/store-error";

function update(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText("t").insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

describe("CommittedState", () => {
  it("keeps the most recently used documents up to its limit", () => {
    const state = new CommittedState(2);
    state.set("a", { deleted: false, activity: null });
    state.set("b", { deleted: false, activity: null });
    state.get("a");
    state.set("c", { deleted: true, activity: null });
    expect(state.get("b")).toBeUndefined();
    expect(state.get("a")).toEqual({ deleted: false, activity: null });
    expect(state.get("c")?.deleted).toBe(true);
  });
});

describe("commits of appends skip the read once a document is known", () => {
  const storages: Storage[] = [];
  afterEach(async () => {
    for (const storage of storages.splice(0)) await storage.close();
  });

  it("reads once, then writes appends blind, and still refuses them after a delete", async () => {
    const db = createMemoryDatabase();
    const writer = createMemoryStorage(db);
    const other = createMemoryStorage(db);
    storages.push(writer, other);
    const getMany = vi.spyOn(db, "getMany");
    await writer.catalog.create("doc", "Doc");
    await writer.log.append("doc", update("a"));
    const reads = getMany.mock.calls.length;
    await writer.log.append("doc", update("b"));
    await other.log.append("doc", update("c"));
    expect(getMany.mock.calls.length).toBe(reads);
    expect((await writer.log.stats("doc")).entries).toBe(3);

    // A delete through the other writer is what the next append is decided against.
    expect(await other.catalog.delete("doc")).toBe(true);
    const refused = await writer.log.append("doc", update("d")).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StoreError);
    expect((refused as StoreError).code).toBe("deleted");
  });

  it("forgets what a failed commit touched, so the next commit reads the database again", async () => {
    const db = createMemoryDatabase();
    const storage = createMemoryStorage(db);
    storages.push(storage);
    await storage.log.append("doc", update("a"));
    const batch = vi.spyOn(db, "batch").mockRejectedValueOnce(new Error("ENOSPC: no space left"));
    expect(await storage.log.append("doc", update("b")).catch((e: StoreError) => e.code)).toBe(
      "unavailable",
    );
    batch.mockRestore();
    await storage.check();
    const getMany = vi.spyOn(db, "getMany");
    await storage.log.append("doc", update("c"));
    expect(getMany).toHaveBeenCalled();
    expect((await storage.log.stats("doc")).entries).toBe(2);
  });
});
