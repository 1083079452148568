import { deletedError, notFoundError, StoreError } from "../store-error";
import type { CommittedState } from "./committed-state";
import { countData } from "./data";
import {
  type LevelDatabase,
  type LevelOperation,
  readError,
  type SharedDatabase,
} from "./database";
import { DocInCommit } from "./doc-in-commit";
import { activityKey, catalogKey, type LogKeyClock, snapshotKey, tombstoneKey } from "./keys";
import { encodeActivity, encodeCatalog, encodeJson, parseActivity } from "./records";
import type { CommitRequest, CompactRequest } from "./requests";

/**
 * Commits one group of requests as one atomic batch. Call inside
 * `SharedDatabase.exclusive`, so nothing else writes between the reads that
 * decide the requests and the batch that carries them out. Settles every
 * request; never throws.
 *
 * Per commit: one getMany (the tombstone and activity record of every
 * document touched, and its catalog record for catalog requests), then one
 * batch. Only some commits read more: a document's data is scanned when it
 * is deleted or has no activity record yet (old data, first write), and a
 * compaction's merged entries are checked with one hasMany.
 */
export async function commitGroup(
  shared: SharedDatabase,
  requests: readonly CommitRequest[],
  clock: LogKeyClock,
  sync: boolean,
): Promise<void> {
  const failed = shared.failedError();
  if (failed) {
    for (const request of requests) request.reject(failed);
    return;
  }
  const group = new GroupCommit(requests, shared.committed);
  try {
    await group.read(shared.db);
  } catch (error) {
    const refused = readError(error);
    for (const request of requests) request.reject(refused);
    return;
  }
  const operations = group.decide(Date.now(), clock);
  try {
    if (operations.length > 0) await shared.write(operations, sync);
  } catch (error) {
    group.forgetCommitted();
    group.settle(error);
    return;
  }
  group.rememberCommitted();
  group.settle(null);
}

class GroupCommit {
  private readonly docs = new Map<string, DocInCommit>();
  private readonly compactionFound = new Map<CompactRequest, boolean>();
  /** Accepted catalog requests and deletes, settled once the batch is written. */
  private readonly accepted: Array<{ resolve(): void; reject(error: unknown): void }> = [];

  constructor(
    private readonly requests: readonly CommitRequest[],
    private readonly committed: CommittedState,
  ) {}

  async read(db: LevelDatabase): Promise<void> {
    const compactions: CompactRequest[] = [];
    for (const request of this.requests) {
      if (request.kind === "compact") compactions.push(request);
      let doc = this.docs.get(request.id);
      if (!doc) {
        doc = new DocInCommit(request.id);
        this.docs.set(request.id, doc);
      }
      if (request.kind === "delete") doc.hasDelete = true;
      if (request.kind !== "append" && request.kind !== "compact") doc.readsCatalog = true;
    }
    // Documents the last commits left in a known state need no read (the usual commit:
    // appends to documents being edited); catalog requests always read the catalog.
    const unknown: DocInCommit[] = [];
    for (const doc of this.docs.values()) {
      const known = doc.readsCatalog ? undefined : this.committed.get(doc.id);
      if (known) {
        doc.deleted = known.deleted;
        doc.storedActivity = known.activity;
      } else {
        unknown.push(doc);
      }
    }
    const keys: string[] = [];
    for (const doc of unknown) {
      keys.push(tombstoneKey(doc.id), activityKey(doc.id));
      if (doc.readsCatalog) keys.push(catalogKey(doc.id));
    }
    const values = keys.length > 0 ? await db.getMany(keys) : [];
    let at = 0;
    for (const doc of unknown) {
      doc.deleted = values[at++] !== undefined;
      doc.storedActivity = parseActivity(values[at++]);
      if (doc.readsCatalog) doc.catalogBytes = values[at++];
    }
    const counting: Promise<void>[] = [];
    for (const doc of this.docs.values()) {
      if (doc.needsCount) {
        counting.push(
          countData(db, doc.id).then((count) => {
            doc.count = count;
          }),
        );
      }
    }
    if (counting.length > 0) await Promise.all(counting);
    await this.findMergedEntries(
      db,
      compactions.filter((request) => !this.doc(request.id).deleted),
    );
  }

  /** Whether every entry each compaction merged is still stored (no other writer merged it first). */
  private async findMergedEntries(db: LevelDatabase, compactions: CompactRequest[]): Promise<void> {
    if (compactions.length === 0) return;
    const found = await db.hasMany(compactions.flatMap((request) => request.merged));
    let start = 0;
    for (const request of compactions) {
      const end = start + request.merged.length;
      this.compactionFound.set(request, found.slice(start, end).every(Boolean));
      start = end;
    }
  }

  /** Decides every request in arrival order and returns the batch that carries them out. */
  decide(now: number, clock: LogKeyClock): LevelOperation[] {
    for (const request of this.requests) this.apply(request, now);
    clock.tick(now);
    const operations: LevelOperation[] = [];
    for (const doc of this.docs.values()) {
      const { id } = doc;
      if (doc.deletedNow) {
        for (const key of doc.count?.keys ?? []) operations.push({ type: "del", key });
        operations.push(
          { type: "del", key: catalogKey(id) },
          { type: "del", key: activityKey(id) },
        );
        const tombstone = encodeJson({ deletedAt: now });
        operations.push({ type: "put", key: tombstoneKey(id), value: tombstone });
        continue;
      }
      for (const append of doc.appends) {
        operations.push({ type: "put", key: clock.next(id), value: append.update });
      }
      if (doc.compaction) {
        const { snapshot, merged } = doc.compaction;
        operations.push({ type: "put", key: snapshotKey(id), value: snapshot });
        for (const key of merged) operations.push({ type: "del", key });
      }
      if (doc.catalogChanged && doc.catalog) {
        operations.push({ type: "put", key: catalogKey(id), value: encodeCatalog(doc.catalog) });
      }
      if (doc.activity) {
        operations.push({ type: "put", key: activityKey(id), value: encodeActivity(doc.activity) });
      }
    }
    return operations;
  }

  /** After the batch is written: what it left of each document is what the database holds. */
  rememberCommitted(): void {
    for (const doc of this.docs.values()) {
      this.committed.set(doc.id, {
        deleted: doc.deleted,
        activity: doc.deleted ? null : (doc.activity ?? doc.storedActivity),
      });
    }
  }

  /** After a failed batch nothing is known of its documents any more. */
  forgetCommitted(): void {
    for (const doc of this.docs.values()) this.committed.forget(doc.id);
  }

  /** Resolves what was accepted, or rejects it with the write's failure. */
  settle(writeError: unknown): void {
    for (const doc of this.docs.values()) {
      for (const append of doc.appends) {
        if (writeError === null) append.resolve();
        else append.reject(writeError);
      }
      if (writeError === null) doc.compaction?.resolve("written");
      else doc.compaction?.reject(writeError);
    }
    for (const request of this.accepted) {
      if (writeError === null) request.resolve();
      else request.reject(writeError);
    }
  }

  private apply(request: CommitRequest, now: number): void {
    const doc = this.doc(request.id);
    if (request.kind === "delete") {
      this.delete(doc, request.resolve, request.reject);
      return;
    }
    if (doc.deleted) {
      // A deleted document stays deleted: nothing more is written for it.
      if (request.kind === "backfill") request.resolve();
      else request.reject(deletedError(doc.id));
      return;
    }
    switch (request.kind) {
      case "append": {
        const activity = doc.touch();
        activity.logEntries += 1;
        activity.logBytes += request.update.byteLength;
        activity.updatedAt = now;
        doc.appends.push(request);
        return;
      }
      case "create": {
        if (doc.catalog) {
          request.reject(new StoreError("exists", `document ${doc.id} already exists`));
          return;
        }
        doc.touch();
        doc.catalog = { title: request.title, createdAt: now, updatedAt: now };
        const meta = doc.meta();
        this.accepted.push({ resolve: () => request.resolve(meta), reject: request.reject });
        return;
      }
      case "rename": {
        const catalog = doc.catalog;
        if (!catalog) {
          request.reject(notFoundError(doc.id));
          return;
        }
        doc.catalog = { ...catalog, title: request.title, updatedAt: now };
        const meta = doc.meta();
        this.accepted.push({ resolve: () => request.resolve(meta), reject: request.reject });
        return;
      }
      case "compact": {
        if (doc.compaction || !this.compactionFound.get(request)) {
          // Another writer's compaction merged some of these entries first.
          request.resolve("conflict");
          return;
        }
        const activity = doc.touch();
        activity.snapshotBytes = request.snapshot.byteLength;
        activity.logEntries = Math.max(0, activity.logEntries - request.merged.length);
        activity.logBytes = Math.max(0, activity.logBytes - request.mergedBytes);
        doc.compaction = request;
        return;
      }
      case "backfill": {
        const stored = doc.count !== null && (doc.count.keys.length > 0 || doc.catalog !== null);
        if (stored) doc.touch();
        request.resolve();
        return;
      }
    }
  }

  private delete(
    doc: DocInCommit,
    resolve: (deleted: boolean) => void,
    reject: (error: unknown) => void,
  ): void {
    if (doc.deleted) {
      resolve(false);
      return;
    }
    const existed =
      doc.catalog !== null || (doc.count?.keys.length ?? 0) > 0 || doc.appends.length > 0;
    if (!existed) {
      resolve(false);
      return;
    }
    doc.deleted = true;
    doc.deletedNow = true;
    // Appends and a compaction queued with the delete lose to it: nothing of the document survives.
    for (const append of doc.appends.splice(0)) append.reject(deletedError(doc.id));
    doc.compaction?.reject(deletedError(doc.id));
    doc.compaction = null;
    this.accepted.push({ resolve: () => resolve(true), reject });
  }

  private doc(id: string): DocInCommit {
    const doc = this.docs.get(id);
    if (!doc) throw new Error(`document ${id} is not part of this commit`);
    return doc;
  }
}
