import { MemoryLevel } from "memory-level";
import { type LevelDatabase, LevelStore } from "./level-store";

/**
 * The same store logic on an in-memory level database: for tests and
 * `STORAGE=memory` trials. Nothing survives the process.
 */
export class MemoryStore extends LevelStore {
  constructor() {
    const db = new MemoryLevel<string, Uint8Array>({ keyEncoding: "utf8", valueEncoding: "view" });
    super(db as unknown as LevelDatabase, false);
  }
}
