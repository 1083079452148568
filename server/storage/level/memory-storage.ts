import { MemoryLevel } from "memory-level";
import type { LevelDatabase } from "./database";
import { LevelStorage } from "./level-storage";

/** A memory-level database in the layout the level storage expects. */
export function createMemoryDatabase(): MemoryLevel<string, Uint8Array> {
  return new MemoryLevel<string, Uint8Array>({ keyEncoding: "utf8", valueEncoding: "view" });
}

/**
 * The level storage on an in-memory database: for tests and `STORAGE=memory`
 * trials. Nothing survives the process. Given an existing database (from
 * `createMemoryDatabase`), the storage is one more writer on it and leaves it
 * open on close: that is how tests run two writers on one database.
 */
export function createMemoryStorage(db?: MemoryLevel<string, Uint8Array>): LevelStorage {
  const database = db ?? createMemoryDatabase();
  return new LevelStorage(database as unknown as LevelDatabase, {
    syncWrites: false,
    ownsDatabase: db === undefined,
  });
}
