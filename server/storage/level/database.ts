import type { AbstractLevel } from "abstract-level";
import { StoreError } from "../store-error";
import { CommittedState } from "./committed-state";
import { CHECK_KEY } from "./keys";
import { encodeJson } from "./records";

/** Any abstract-level database with utf8 keys and Uint8Array values (classic-level, memory-level). */
export type LevelDatabase = AbstractLevel<string | Uint8Array | Buffer, string, Uint8Array>;

export type LevelOperation =
  | { type: "put"; key: string; value: Uint8Array }
  | { type: "del"; key: string };

/**
 * What every writer over one database object shares: the order of commits,
 * what those commits left of each recent document (CommittedState), and
 * whether the database can write at all.
 *
 * Commits of all writers of one database run one after another, so a
 * commit's decisions about tombstones, catalog and activity records are
 * exact even with several Storage instances on it. All writers of a LevelDB
 * directory live in one process (LevelDB locks the directory), and
 * memory-level cannot be shared across processes either.
 *
 * LevelDB refuses every write after one failed (disk full, I/O error) until it
 * is closed and reopened; `check` does that once the disk takes a write
 * again, and until then commits fail fast with `unavailable` instead of trying.
 */
export class SharedDatabase {
  private static readonly registry = new WeakMap<LevelDatabase, SharedDatabase>();

  /** The one SharedDatabase of `db`, however many writers use it. */
  static of(db: LevelDatabase): SharedDatabase {
    let shared = SharedDatabase.registry.get(db);
    if (!shared) {
      shared = new SharedDatabase(db);
      SharedDatabase.registry.set(db, shared);
    }
    return shared;
  }

  /** Tombstones and activity as the last commits left them (see CommittedState). */
  committed = new CommittedState();
  /**
   * Proves the disk can take a write before a failed database is closed and
   * reopened: reopening writes (a new manifest and log), so on a disk that is
   * still full it would fail and leave the database closed, refusing reads too.
   */
  diskProbe: (() => Promise<void>) | null = null;
  private readonly failureListeners = new Set<(error: unknown) => void>();
  private tail: Promise<unknown> = Promise.resolve();
  private failure: unknown = null;
  private checking: Promise<void> | null = null;

  private constructor(readonly db: LevelDatabase) {}

  /** Runs `work` after every piece of exclusive work queued before it has settled. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** The error to give callers while the database cannot write, or null when it can. */
  failedError(): StoreError | null {
    return this.failure === null ? null : unavailable(this.failure);
  }

  /** Writes one atomic batch. Call only inside `exclusive`. */
  async write(operations: LevelOperation[], sync: boolean): Promise<void> {
    const failed = this.failedError();
    if (failed) throw failed;
    try {
      // `sync` is classic-level's option (fsync); other levels ignore it.
      await this.db.batch(operations, { sync } as object);
    } catch (error) {
      this.fail(error);
      throw unavailable(error);
    }
  }

  /** Hears of every write that failed (appends, catalog changes, compactions, checks). */
  onWriteFailure(listener: (error: unknown) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  private fail(error: unknown): void {
    this.failure = error;
    for (const listener of this.failureListeners) listener(error);
  }

  /**
   * One small synced write, after reopening the database if the last write
   * failed. Concurrent calls share one attempt; in-flight commits finish first.
   */
  check(): Promise<void> {
    this.checking ??= this.exclusive(() => this.reopenAndProbe()).finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async reopenAndProbe(): Promise<void> {
    if (this.failure !== null) {
      // While the disk cannot take a write the database stays open for reads.
      if (this.diskProbe) await this.diskProbe();
      try {
        // Nothing is known of what a failed database holds until it is read again.
        this.committed = new CommittedState();
        await this.db.close();
        await this.db.open();
      } catch (error) {
        throw new StoreError(
          "unavailable",
          `cannot reopen the database after a failed write: ${describe(error)}`,
        );
      }
      this.failure = null;
    }
    try {
      await this.db.put(CHECK_KEY, encodeJson({ checkedAt: Date.now() }), {
        sync: true,
      } as object);
    } catch (error) {
      this.fail(error);
      throw unavailable(error);
    }
  }
}

function unavailable(cause: unknown): StoreError {
  const error = new StoreError(
    "unavailable",
    `storage cannot write (${describe(cause)}); writes resume after a successful health check`,
  );
  error.cause = cause;
  return error;
}

/** The most telling message of a level error (the LevelDB status is usually its cause). */
export function describe(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown } } | null)?.cause;
  const own = error instanceof Error ? error.message : String(error);
  return typeof cause?.message === "string" && cause.message !== own
    ? `${own}: ${cause.message}`
    : own;
}

/**
 * A level error from a read as a StoreError where its meaning is known: the
 * database closed underneath (a health check reopening it) is `unavailable`,
 * LevelDB reporting corruption is `corrupt`. Anything else is left as it is.
 */
export function readError(error: unknown): unknown {
  if (error instanceof StoreError) return error;
  const codes = [
    (error as { code?: unknown } | null)?.code,
    (error as { cause?: { code?: unknown } } | null)?.cause?.code,
  ];
  let mapped: StoreError | null = null;
  if (codes.includes("LEVEL_CORRUPTION")) {
    mapped = new StoreError("corrupt", `storage is corrupt (${describe(error)})`);
  } else if (codes.some((code) => typeof code === "string" && code.endsWith("_NOT_OPEN"))) {
    mapped = new StoreError("unavailable", `storage cannot read (${describe(error)})`);
  }
  if (!mapped) return error;
  mapped.cause = error;
  return mapped;
}
