import type { Config } from "../config";
import { openLevelDbStorage } from "./level/leveldb-storage";
import { createMemoryStorage } from "./level/memory-storage";
import type { Storage } from "./storage";

/** The storage backend `STORAGE` names: LevelDB under DATA_DIR (the default) or memory. */
export async function openStorage(config: Config): Promise<Storage> {
  if (config.STORAGE === "memory") return createMemoryStorage();
  return openLevelDbStorage({ dir: config.DATA_DIR, syncWrites: config.SYNC_WRITES });
}
