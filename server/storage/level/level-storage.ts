import type { Storage } from "../storage";
import type { LevelDatabase } from "./database";
import { SharedDatabase } from "./database";
import { GroupCommitWriter } from "./group-commit";
import { LevelDocCatalog } from "./level-doc-catalog";
import { LevelUpdateLog } from "./level-update-log";
import { Lifecycle } from "./lifecycle";

export interface LevelStorageOptions {
  /** fsync each group commit. Off, a write still survives a process kill, not a power cut. */
  syncWrites: boolean;
  /** Close the database on `close` (false when the caller shares it with other storages). */
  ownsDatabase: boolean;
}

/**
 * Storage on an abstract-level database: the update log and the catalog side
 * by side, one group-commit writer for both. Several LevelStorage instances
 * may share one database object; each is a separate writer.
 */
export class LevelStorage implements Storage {
  readonly log: LevelUpdateLog;
  readonly catalog: LevelDocCatalog;
  private readonly shared: SharedDatabase;
  private readonly writer: GroupCommitWriter;
  private readonly lifecycle = new Lifecycle();
  private closing: Promise<void> | null = null;

  constructor(
    /** The database itself, for tests and tools that inspect keys. */
    readonly db: LevelDatabase,
    private readonly options: LevelStorageOptions,
  ) {
    this.shared = SharedDatabase.of(db);
    this.writer = new GroupCommitWriter(this.shared, options.syncWrites);
    this.log = new LevelUpdateLog(db, this.writer, this.lifecycle);
    this.catalog = new LevelDocCatalog(db, this.writer, this.lifecycle);
  }

  /** Throws `unavailable` while the database cannot write (after trying to reopen it). */
  check(): Promise<void> {
    return this.lifecycle.run(() => this.shared.check());
  }

  onWriteFailure(listener: (error: unknown) => void): () => void {
    return this.shared.onWriteFailure(listener);
  }

  /** How `check` proves the disk takes writes before reopening a failed database. */
  setDiskProbe(probe: () => Promise<void>): void {
    this.shared.diskProbe = probe;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // Reads and compactions first (a compaction ends in a write), then every queued write.
      await this.lifecycle.close();
      await this.writer.drain();
      if (this.options.ownsDatabase) await this.db.close();
    })();
    return this.closing;
  }
}
