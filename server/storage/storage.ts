import type { DocCatalog } from "./doc-catalog";
import type { UpdateLog } from "./update-log";

/** One storage backend: the update log and the document catalog it keeps side by side. */
export interface Storage {
  readonly log: UpdateLog;
  readonly catalog: DocCatalog;
  /**
   * Proves the backend can make a write durable right now (a small synced
   * write), recovering from an earlier failure first where the backend needs
   * it (LevelDB refuses every write after one failed until it is reopened).
   * Rejects while the backend cannot write.
   */
  check(): Promise<void>;
  /** Hears of every write the backend failed to make durable (appends, catalog changes, compactions). */
  onWriteFailure(listener: (error: unknown) => void): () => void;
  /** Waits for pending writes, then releases the backend. Idempotent. */
  close(): Promise<void>;
}
