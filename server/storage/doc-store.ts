/** Metadata kept beside every document so lists never load document state. */
export interface DocMeta {
  id: string;
  title: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
  /** Bytes stored for the document: snapshot plus log entries. */
  sizeBytes: number;
}

/** Everything stored for a document, read at one consistent point. */
export interface StoredDoc {
  meta: DocMeta;
  /** The compacted snapshot (if any) followed by the log entries, in order. */
  updates: Uint8Array[];
  /** Log entries not yet folded into the snapshot. */
  logEntries: number;
  logBytes: number;
}

export interface LogStats {
  entries: number;
  bytes: number;
}

export interface CompactResult {
  /** Log entries folded into the new snapshot and removed. */
  merged: number;
  snapshotBytes: number;
}

export type StoreErrorCode =
  | "not-found"
  | "deleted"
  | "exists"
  | "corrupt"
  | "closed"
  | "unavailable";

/** An expected storage failure; `code` maps to an HTTP status or a close reason. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "StoreError";
  }
}

/**
 * Durable storage for Yjs documents: an append-only update log per document
 * plus a compacted snapshot. Implementations keep the whole Yjs document (every
 * shared type), never only the editor's fragment.
 *
 * Invariant: when `append` resolves the update survives a process kill; a
 * `compact` replaces the snapshot and removes the merged log entries in one
 * atomic write, so a crash leaves either the old or the new state.
 */
export interface DocStore {
  /** Creates the document (metadata only). Throws `exists` or `deleted`. */
  create(id: string, title: string): Promise<DocMeta>;
  /**
   * Appends one Yjs update to the document's log; resolves once durable.
   * Concurrent appends, across documents too, share one write. Creates the
   * document's metadata (titled "Untitled") if it has none. Throws `deleted`.
   */
  append(id: string, update: Uint8Array): Promise<void>;
  /** Snapshot and log at one consistent point, or null for an unknown document. Throws `deleted`. */
  load(id: string): Promise<StoredDoc | null>;
  /** Folds the log into the snapshot. A no-op (merged 0) when the log is empty. */
  compact(id: string): Promise<CompactResult>;
  /** Size of the not-yet-compacted log. */
  logStats(id: string): Promise<LogStats>;
  getMeta(id: string): Promise<DocMeta | null>;
  /** All documents' metadata, most recently updated first. */
  list(): Promise<DocMeta[]>;
  /** Throws `not-found` or `deleted`. */
  rename(id: string, title: string): Promise<DocMeta>;
  /** Removes every byte of the document and leaves a tombstone. False if unknown. */
  delete(id: string): Promise<boolean>;
  isDeleted(id: string): Promise<boolean>;
  /** Waits for pending writes, then releases the store. Idempotent. */
  close(): Promise<void>;
}
