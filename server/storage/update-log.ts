/** Everything logged for a document, read at one consistent point. */
export interface StoredUpdates {
  /** The compacted snapshot (if any) followed by the log entries. */
  updates: Uint8Array[];
  /** Log entries not yet folded into the snapshot. */
  logEntries: number;
  logBytes: number;
}

export interface LogStats {
  /** Entries and bytes not yet folded into the snapshot. */
  entries: number;
  bytes: number;
  /** Bytes stored for the document in all: snapshot plus log. */
  totalBytes: number;
}

export interface CompactResult {
  /** Log entries folded into the new snapshot and removed. */
  merged: number;
  snapshotBytes: number;
}

/**
 * The durable history of each document: an append-only log of Yjs updates
 * plus a compacted snapshot. It stores the whole Yjs document (every shared
 * type) and knows nothing about titles, sockets or who sent an update.
 *
 * Several writers (connections, HTTP requests, other instances sharing the
 * backend) may append to one document at once: entries are keyed so that
 * writers never collide, and nothing a writer caches in memory can contradict
 * another writer's appends.
 *
 * Invariants: when `append` resolves the update survives a process kill. A
 * `compact` writes the snapshot and removes exactly the entries it merged in
 * one atomic write, so a crash leaves the old or the new state and an append
 * made meanwhile (by anyone) survives. Once the document is deleted through
 * the catalog, `append`, `load` and `compact` reject with `deleted`.
 */
export interface UpdateLog {
  /** Appends one update; resolves once durable. Concurrent appends share one write. */
  append(id: string, update: Uint8Array): Promise<void>;
  /** Snapshot and log at one consistent point (including appends already started), or null if nothing is stored. */
  load(id: string): Promise<StoredUpdates | null>;
  /** Folds the log into the snapshot. A no-op (merged 0) when the log is empty. */
  compact(id: string): Promise<CompactResult>;
  stats(id: string): Promise<LogStats>;
}
