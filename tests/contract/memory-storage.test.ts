import { createMemoryDatabase, createMemoryStorage } from "@/server/storage/level/memory-storage";
import { runLevelStorageContract } from "./level-storage.contract";
import { runStorageContract } from "./storage.contract";
import { runTwoWriterContract } from "./two-writers.contract";

runStorageContract("memory", async () => {
  const storage = createMemoryStorage();
  return { storage, cleanup: () => storage.close() };
});

runLevelStorageContract("memory", async () => {
  const storage = createMemoryStorage();
  return { storage, cleanup: () => storage.close() };
});

// Two writers run here, on one memory-level database shared by two storages:
// LevelDB on disk admits one process per directory (leveldb-storage.test.ts
// checks that a second open is refused), so it never has a second writer.
runTwoWriterContract("memory, one database", async () => {
  const db = createMemoryDatabase();
  const first = createMemoryStorage(db);
  const second = createMemoryStorage(db);
  return {
    first,
    second,
    async cleanup() {
      await Promise.all([first.close(), second.close()]);
      await db.close();
    },
  };
});
