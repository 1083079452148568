import { createMemoryStorage } from "@/server/storage/level/memory-storage";
import type { Storage } from "@/server/storage/storage";

/** Real memory storage whose appends are counted per document, to see what the server stores. */
export function countingStorage(real: Storage = createMemoryStorage()): {
  storage: Storage;
  appends: (id: string) => number;
} {
  const counts = new Map<string, number>();
  const storage: Storage = {
    log: {
      append: async (id, update) => {
        await real.log.append(id, update);
        counts.set(id, (counts.get(id) ?? 0) + 1);
      },
      load: (id) => real.log.load(id),
      compact: (id) => real.log.compact(id),
      stats: (id) => real.log.stats(id),
    },
    catalog: real.catalog,
    check: () => real.check(),
    onWriteFailure: (listener) => real.onWriteFailure(listener),
    close: () => real.close(),
  };
  return { storage, appends: (id) => counts.get(id) ?? 0 };
}
