import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ClassicLevel } from "classic-level";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as Y from "yjs";
import { StoreError } from "@/server/storage/doc-store";
import { LevelDbStore } from "@/server/storage/leveldb-store";
import { runDocStoreContract } from "./doc-store.contract";

runDocStoreContract("leveldb", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "tandem-store-"));
  const store = await LevelDbStore.open({ dir });
  return {
    store,
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe("LevelDbStore on disk", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tandem-store-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function update(text: string): Uint8Array {
    const doc = new Y.Doc();
    doc.getText("text").insert(0, text);
    return Y.encodeStateAsUpdate(doc);
  }

  it("group-commits concurrent appends into far fewer writes", async () => {
    const store = await LevelDbStore.open({ dir });
    const db = (store as unknown as { db: { batch: (...args: unknown[]) => Promise<void> } }).db;
    const batch = vi.spyOn(db, "batch");
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => store.append(`doc-${i % 10}`, update(`u${i}`))),
    );
    expect(batch.mock.calls.length).toBeGreaterThan(0);
    expect(batch.mock.calls.length).toBeLessThanOrEqual(20);
    await store.close();
  });

  it("keeps everything across close and reopen", async () => {
    const first = await LevelDbStore.open({ dir });
    await first.create("kept", "Kept");
    await first.append("kept", update("hello"));
    await first.delete((await first.create("gone", "Gone")).id);
    await first.close();
    const second = await LevelDbStore.open({ dir });
    const loaded = await second.load("kept");
    const doc = new Y.Doc();
    for (const u of loaded?.updates ?? []) Y.applyUpdate(doc, u);
    expect(doc.getText("text").toString()).toBe("hello");
    expect((await second.getMeta("kept"))?.title).toBe("Kept");
    expect(await second.isDeleted("gone")).toBe(true);
    await second.append("kept", update("more"));
    expect((await second.logStats("kept")).entries).toBe(2);
    await second.close();
  });

  it("refuses to open a directory another process holds, naming it", async () => {
    const first = await LevelDbStore.open({ dir });
    const error = await LevelDbStore.open({ dir }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain(dir);
    expect((error as Error).message).toMatch(/locked/);
    await first.close();
  });

  it("refuses to compact a corrupt log entry and deletes nothing", async () => {
    const store = await LevelDbStore.open({ dir });
    await store.append("bad", update("good part"));
    await store.close();
    const raw = new ClassicLevel<string, Uint8Array>(dir, { valueEncoding: "view" });
    await raw.put("d!bad!l!00000000000000ff", new Uint8Array([255, 255, 255, 1]));
    await raw.close();

    const reopened = await LevelDbStore.open({ dir });
    const error = await reopened.compact("bad").catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).code).toBe("corrupt");
    expect((error as Error).message).toContain("d!bad!l!00000000000000ff");
    const loaded = await reopened.load("bad");
    expect(loaded?.updates).toHaveLength(2);
    await reopened.close();
  });
});
