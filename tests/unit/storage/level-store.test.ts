import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { LevelDbStore } from "@/server/storage/leveldb-store";

function oneInsert(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText("text").insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

describe("LevelDB store: a load sees every append started before it", () => {
  let dir: string | undefined;
  let store: LevelDbStore | undefined;
  afterEach(async () => {
    await store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
    store = undefined;
    dir = undefined;
  });

  it("includes an append still being written when the load starts", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tandem-level-store-"));
    store = await LevelDbStore.open({ dir });
    // A sender's last update is still in its group commit when the document is
    // loaded again (its only connection closed, someone else opens it).
    for (let n = 0; n < 40; n++) {
      const id = `doc-${n}`;
      const appended = store.append(id, oneInsert(`edit ${n}`));
      const loaded = await store.load(id);
      await appended;
      const doc = new Y.Doc();
      for (const update of loaded?.updates ?? []) Y.applyUpdate(doc, update);
      expect(doc.getText("text").toString()).toBe(`edit ${n}`);
    }
  });
});
