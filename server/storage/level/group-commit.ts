import type { DocMeta } from "../doc-catalog";
import { commitGroup } from "./commit";
import type { SharedDatabase } from "./database";
import { LogKeyClock } from "./keys";
import type { CommitRequest } from "./requests";

interface Batch {
  requests: CommitRequest[];
  /** Called once the batch is settled (created only when someone waits). */
  waiters: Array<() => void> | null;
}

const newBatch = (): Batch => ({ requests: [], waiters: null });

/**
 * Group commit for one writer: requests that arrive while a commit is under
 * way are written together as the next one, so many connections share one
 * LevelDB write (and one fsync when `syncWrites` is on). An append costs an
 * array push and a promise; a commit one getMany and one batch (commit.ts).
 */
export class GroupCommitWriter {
  private pending: Batch = newBatch();
  private inFlight: Batch | null = null;
  private flushing: Promise<void> | null = null;
  private readonly clock = new LogKeyClock();

  constructor(
    private readonly shared: SharedDatabase,
    private readonly syncWrites: boolean,
  ) {}

  /** Resolves once `update` (copied: callers reuse buffers) is durable. */
  append(id: string, update: Uint8Array): Promise<void> {
    // A copy (callers reuse buffers; Buffer#slice would share their memory), from Node's
    // buffer pool: one small allocation per update otherwise shows up in GC on the hot path.
    const copy = Buffer.from(update);
    return new Promise<void>((resolve, reject) => {
      this.submit({ kind: "append", id, update: copy, resolve, reject });
    });
  }

  create(id: string, title: string): Promise<DocMeta> {
    return new Promise((resolve, reject) => {
      this.submit({ kind: "create", id, title, resolve, reject });
    });
  }

  rename(id: string, title: string): Promise<DocMeta> {
    return new Promise((resolve, reject) => {
      this.submit({ kind: "rename", id, title, resolve, reject });
    });
  }

  delete(id: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.submit({ kind: "delete", id, resolve, reject });
    });
  }

  /** Writes a compaction's result unless the document was deleted or compacted by another writer meanwhile. */
  writeCompaction(
    id: string,
    snapshot: Uint8Array,
    merged: string[],
    mergedBytes: number,
  ): Promise<"written" | "conflict"> {
    return new Promise((resolve, reject) => {
      this.submit({ kind: "compact", id, snapshot, merged, mergedBytes, resolve, reject });
    });
  }

  /** Records the activity of a document that has no activity record yet. */
  backfill(id: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.submit({ kind: "backfill", id, resolve, reject });
    });
  }

  /**
   * Resolves once this writer's appends to `id` queued so far are settled. A
   * document can be loaded again while its last sender's append is still in a
   * group commit (the sender left, someone else opened it): the load must
   * include it. Commits land in order, so the newest such batch covers the rest.
   */
  whenWritten(id: string): Promise<void> {
    const batch = [this.pending, this.inFlight].find(
      (candidate) =>
        candidate?.requests.some((request) => request.kind === "append" && request.id === id) ??
        false,
    );
    if (!batch) return Promise.resolve();
    return new Promise((resolve) => {
      batch.waiters ??= [];
      batch.waiters.push(resolve);
    });
  }

  /** The error writes fail with while the database cannot write, or null. */
  failedError(): Error | null {
    return this.shared.failedError();
  }

  /** Resolves once everything submitted so far is settled. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private submit(request: CommitRequest): void {
    this.pending.requests.push(request);
    this.flushing ??= this.flush();
  }

  private async flush(): Promise<void> {
    // Let requests made in this same tick join the first batch.
    await Promise.resolve();
    while (this.pending.requests.length > 0) {
      const batch = this.pending;
      this.pending = newBatch();
      this.inFlight = batch;
      const { requests } = batch;
      try {
        await this.shared.exclusive(() =>
          commitGroup(this.shared, requests, this.clock, this.syncWrites),
        );
      } catch (error) {
        // commitGroup settles every request itself; this only guards against a bug leaving one hanging.
        for (const request of requests) request.reject(error);
      }
      this.inFlight = null;
      for (const wake of batch.waiters ?? []) wake();
    }
    this.flushing = null;
  }
}
