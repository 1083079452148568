import { createMemoryStorage } from "@/server/storage/level/memory-storage";
import type { Storage } from "@/server/storage/storage";
import type { UpdateLog } from "@/server/storage/update-log";

/** Real storage with some of its update log's methods replaced, to watch or disturb what the server does. */
export function withLog(real: Storage, log: Partial<UpdateLog>): Storage {
  return {
    log: {
      append: (id, update) => real.log.append(id, update),
      load: (id) => real.log.load(id),
      compact: (id) => real.log.compact(id),
      stats: (id) => real.log.stats(id),
      ...log,
    },
    catalog: real.catalog,
    check: () => real.check(),
    onWriteFailure: (listener) => real.onWriteFailure(listener),
    close: () => real.close(),
  };
}

/** Real memory storage whose appends are counted per document, to see what the server stores. */
export function countingStorage(real: Storage = createMemoryStorage()): {
  storage: Storage;
  appends: (id: string) => number;
} {
  const counts = new Map<string, number>();
  const storage = withLog(real, {
    append: async (id, update) => {
      await real.log.append(id, update);
      counts.set(id, (counts.get(id) ?? 0) + 1);
    },
  });
  return { storage, appends: (id) => counts.get(id) ?? 0 };
}
