import * as Y from "yjs";
import { replayUpdates } from "../../../lib/documents/replay";
import { deletedError, StoreError } from "../store-error";
import type { CompactResult, LogStats, StoredUpdates, UpdateLog } from "../update-log";
import { readActivity } from "./activity";
import { byteLength, inReplayOrder, readData, type StoredEntry } from "./data";
import type { LevelDatabase } from "./database";
import type { GroupCommitWriter } from "./group-commit";
import { activityKey, tombstoneKey } from "./keys";
import { closedError, type Lifecycle } from "./lifecycle";

/** How often a compaction reads again after another writer's compaction merged its entries first. */
const COMPACTION_ATTEMPTS = 5;

/**
 * The update log on an abstract-level database. Appends go through the
 * group-commit writer; reads go to the database every time, so another writer
 * sharing it is never contradicted.
 */
export class LevelUpdateLog implements UpdateLog {
  private readonly compactions = new Map<string, Promise<CompactResult>>();

  constructor(
    private readonly db: LevelDatabase,
    private readonly writer: GroupCommitWriter,
    private readonly lifecycle: Lifecycle,
  ) {}

  /** Throws `deleted` (decided when the batch is written) or `unavailable` while the backend cannot write. */
  append(id: string, update: Uint8Array): Promise<void> {
    if (this.lifecycle.closed) return Promise.reject(closedError());
    return this.writer.append(id, update);
  }

  /** Throws `deleted`. */
  load(id: string): Promise<StoredUpdates | null> {
    return this.lifecycle.run(async () => {
      await this.writer.whenWritten(id);
      const data = await readData(this.db, id);
      // Checked after the read: a delete removes the data and writes the tombstone in one batch.
      if (await this.isDeleted(id)) throw deletedError(id);
      const entries = inReplayOrder(data);
      if (entries.length === 0) return null;
      return {
        updates: entries.map((entry) => entry.value),
        logEntries: data.log.length,
        logBytes: byteLength(data.log),
      };
    });
  }

  /**
   * Throws `deleted`, or `corrupt` (naming the entry) when an entry is not a
   * readable update; then nothing is written. One compaction per document at
   * a time: a second call returns the running one.
   */
  compact(id: string): Promise<CompactResult> {
    const running = this.compactions.get(id);
    if (running) return running;
    // Reading and merging a whole log only to fail at the write is wasted while writes fail.
    const failed = this.writer.failedError();
    if (failed) return Promise.reject(failed);
    const compaction = this.lifecycle
      .run(() => this.runCompaction(id))
      .finally(() => this.compactions.delete(id));
    this.compactions.set(id, compaction);
    return compaction;
  }

  /** Zeros for an unknown or deleted document. */
  stats(id: string): Promise<LogStats> {
    return this.lifecycle.run(async () => {
      const [stored, tombstone] = await this.db.getMany([activityKey(id), tombstoneKey(id)]);
      if (tombstone !== undefined) return { entries: 0, bytes: 0, totalBytes: 0 };
      const activity = await readActivity(this.db, this.writer, id, stored, false);
      return {
        entries: activity.logEntries,
        bytes: activity.logBytes,
        totalBytes: activity.snapshotBytes + activity.logBytes,
      };
    });
  }

  private async runCompaction(id: string): Promise<CompactResult> {
    let snapshotBytes = 0;
    for (let attempt = 0; attempt < COMPACTION_ATTEMPTS; attempt++) {
      const data = await readData(this.db, id);
      if (await this.isDeleted(id)) throw deletedError(id);
      snapshotBytes = data.snapshot?.value.byteLength ?? 0;
      if (data.log.length === 0) return { merged: 0, snapshotBytes };
      const snapshot = merge(id, inReplayOrder(data));
      // Put the snapshot and delete exactly the merged entries, unless the
      // document was deleted meanwhile: appends made since stay in the log.
      const merged = data.log.map((entry) => entry.key);
      const outcome = await this.writer.writeCompaction(id, snapshot, merged, byteLength(data.log));
      if (outcome === "written") {
        return { merged: merged.length, snapshotBytes: snapshot.byteLength };
      }
    }
    // Another writer keeps compacting this document; its compactions do the work.
    return { merged: 0, snapshotBytes };
  }

  private async isDeleted(id: string): Promise<boolean> {
    return (await this.db.get(tombstoneKey(id))) !== undefined;
  }
}

/** The state of all `entries` as one update. */
function merge(id: string, entries: StoredEntry[]): Uint8Array {
  const doc = new Y.Doc();
  try {
    const unreadable: Array<{ error: unknown; index: number }> = [];
    replayUpdates(
      doc,
      entries.map((entry) => entry.value),
      null,
      (error, index) => unreadable.push({ error, index }),
    );
    const first = unreadable[0];
    if (first) {
      throw new StoreError(
        "corrupt",
        `document ${id}: entry ${entries[first.index]?.key} is not a readable Yjs update (${String(first.error)}); compaction skipped`,
      );
    }
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}
