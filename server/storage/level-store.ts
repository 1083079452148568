import type { AbstractLevel } from "abstract-level";
import * as Y from "yjs";
import { DEFAULT_TITLE, MAX_TITLE_LENGTH } from "../../lib/doc-id";
import {
  type CompactResult,
  type DocMeta,
  type DocStore,
  type LogStats,
  type StoredDoc,
  StoreError,
} from "./doc-store";

/** Any abstract-level database with utf8 keys and Uint8Array values (classic-level, memory-level). */
export type LevelDatabase = AbstractLevel<string | Uint8Array | Buffer, string, Uint8Array>;

type Operation = { type: "put"; key: string; value: Uint8Array } | { type: "del"; key: string };

/** What the store knows about one document without reading its data again. */
interface DocState {
  meta: DocMeta | null;
  deleted: boolean;
  nextSeq: number;
  logEntries: number;
  logBytes: number;
  snapshotBytes: number;
}

interface PendingBatch {
  operations: Operation[];
  /** Documents whose metadata is written with this batch (once each). */
  metaOf: Set<string>;
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
}

// Key layout. Ids never contain "!" (lib/doc-id.ts), so each prefix is unambiguous.
const snapshotKey = (id: string) => `d!${id}!s`;
const logKey = (id: string, seq: number) => `d!${id}!l!${seq.toString(16).padStart(16, "0")}`;
const dataRange = (id: string) => ({ gte: `d!${id}!`, lt: `d!${id}!\xff` });
const metaKey = (id: string) => `m!${id}`;
const tombstoneKey = (id: string) => `t!${id}`;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The DocStore on any abstract-level database: an append-only log per document
 * plus a snapshot, with group commit. Appends that arrive while a write is in
 * flight are written together as the next batch, so many connections share
 * one LevelDB write (and one fsync when `syncWrites` is on).
 */
export class LevelStore implements DocStore {
  private readonly states = new Map<string, Promise<DocState>>();
  private readonly compactions = new Map<string, Promise<CompactResult>>();
  private pending: PendingBatch = emptyBatch();
  private writing: Promise<void> | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;

  constructor(
    protected readonly db: LevelDatabase,
    private readonly syncWrites: boolean,
  ) {}

  /** Per document, the newest append not yet written. */
  private readonly appending = new Map<string, Promise<void>>();

  async create(id: string, title: string): Promise<DocMeta> {
    const state = await this.state(id);
    if (state.deleted) throw deletedError(id);
    if (state.meta) throw new StoreError("exists", `document ${id} already exists`);
    const now = Date.now();
    state.meta = { id, title: cleanTitle(title), createdAt: now, updatedAt: now, sizeBytes: 0 };
    await this.write([], id);
    return { ...state.meta };
  }

  async append(id: string, update: Uint8Array): Promise<void> {
    const state = await this.state(id);
    if (state.deleted) throw deletedError(id);
    const seq = state.nextSeq++;
    state.logEntries += 1;
    state.logBytes += update.byteLength;
    const now = Date.now();
    state.meta ??= { id, title: DEFAULT_TITLE, createdAt: now, updatedAt: now, sizeBytes: 0 };
    state.meta.updatedAt = now;
    state.meta.sizeBytes = state.snapshotBytes + state.logBytes;
    // Copy: callers may reuse the buffer (ws hands out pooled memory).
    const written = this.write([{ type: "put", key: logKey(id, seq), value: update.slice() }], id);
    this.appending.set(id, written);
    try {
      await written;
    } finally {
      if (this.appending.get(id) === written) this.appending.delete(id);
    }
  }

  async load(id: string): Promise<StoredDoc | null> {
    const state = await this.state(id);
    if (state.deleted) throw deletedError(id);
    // A document can be loaded again while its last sender's append is in a group
    // commit (the sender left, someone else opened it): the load must include it.
    // Commits land in order, so the newest append's covers every earlier one.
    await this.appending.get(id)?.catch(() => undefined);
    const entries = await this.readData(id);
    if (entries.length === 0 && state.meta === null) return null;
    const meta = state.meta ?? {
      id,
      title: DEFAULT_TITLE,
      createdAt: 0,
      updatedAt: 0,
      sizeBytes: 0,
    };
    const log = entries.filter(([key]) => key !== snapshotKey(id));
    return {
      meta: { ...meta },
      updates: entries.map(([, value]) => value),
      logEntries: log.length,
      logBytes: log.reduce((sum, [, value]) => sum + value.byteLength, 0),
    };
  }

  compact(id: string): Promise<CompactResult> {
    const running = this.compactions.get(id);
    if (running) return running;
    const compaction = this.runCompaction(id).finally(() => this.compactions.delete(id));
    this.compactions.set(id, compaction);
    return compaction;
  }

  async logStats(id: string): Promise<LogStats> {
    const state = await this.state(id);
    return { entries: state.logEntries, bytes: state.logBytes };
  }

  async getMeta(id: string): Promise<DocMeta | null> {
    const state = await this.state(id);
    return state.meta && !state.deleted ? { ...state.meta } : null;
  }

  async list(): Promise<DocMeta[]> {
    this.assertOpen();
    const metas = new Map<string, DocMeta>();
    for await (const [key, value] of this.db.iterator({ gte: "m!", lt: "m!\xff" })) {
      const id = key.slice(2);
      metas.set(id, parseMeta(id, value));
    }
    // Cached states hold metadata that may still be on its way to disk.
    for (const [id, pending] of this.states) {
      const state = await pending.catch(() => null);
      if (!state) continue;
      if (state.deleted || !state.meta) metas.delete(id);
      else metas.set(id, { ...state.meta });
    }
    return [...metas.values()].sort(
      (a, b) => b.updatedAt - a.updatedAt || a.id.localeCompare(b.id),
    );
  }

  async rename(id: string, title: string): Promise<DocMeta> {
    const state = await this.state(id);
    if (state.deleted) throw deletedError(id);
    if (!state.meta) throw new StoreError("not-found", `no document ${id}`);
    state.meta.title = cleanTitle(title);
    state.meta.updatedAt = Date.now();
    await this.write([], id);
    return { ...state.meta };
  }

  async delete(id: string): Promise<boolean> {
    const state = await this.state(id);
    if (state.deleted) return false;
    const existed = state.meta !== null || state.nextSeq > 0 || state.snapshotBytes > 0;
    if (!existed) return false;
    // Refuse new appends first, then let queued ones land so the key scan below sees them all.
    state.deleted = true;
    await this.drain();
    await this.compactions.get(id)?.catch(() => undefined);
    const operations: Operation[] = [{ type: "del", key: metaKey(id) }];
    for await (const key of this.db.keys(dataRange(id))) operations.push({ type: "del", key });
    operations.push({
      type: "put",
      key: tombstoneKey(id),
      value: encoder.encode(JSON.stringify({ deletedAt: Date.now() })),
    });
    await this.write(operations);
    state.meta = null;
    state.logEntries = 0;
    state.logBytes = 0;
    state.snapshotBytes = 0;
    return true;
  }

  async isDeleted(id: string): Promise<boolean> {
    return (await this.state(id)).deleted;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      // Operations that began before close are waiting on a state read; their
      // continuations queue their writes as soon as it settles, before we drain.
      await Promise.allSettled(this.states.values());
      await this.drain();
      await Promise.allSettled(this.compactions.values());
      await this.drain();
      await this.db.close();
    })();
    return this.closing;
  }

  private async runCompaction(id: string): Promise<CompactResult> {
    const state = await this.state(id);
    if (state.deleted) throw deletedError(id);
    const entries = await this.readData(id);
    const logEntries = entries.filter(([key]) => key !== snapshotKey(id));
    if (logEntries.length === 0) {
      return { merged: 0, snapshotBytes: state.snapshotBytes };
    }
    const doc = new Y.Doc();
    let snapshot: Uint8Array;
    try {
      for (const [key, value] of entries) {
        try {
          Y.applyUpdate(doc, value);
        } catch (error) {
          throw new StoreError(
            "corrupt",
            `document ${id}: entry ${key} is not a readable Yjs update (${String(error)}); compaction skipped`,
          );
        }
      }
      snapshot = Y.encodeStateAsUpdate(doc);
    } finally {
      doc.destroy();
    }
    // A delete that started while the merge ran wins; never resurrect its data.
    if (state.deleted) throw deletedError(id);
    const mergedBytes = logEntries.reduce((sum, [, value]) => sum + value.byteLength, 0);
    await this.write([
      { type: "put", key: snapshotKey(id), value: snapshot },
      ...logEntries.map(([key]): Operation => ({ type: "del", key })),
    ]);
    // Counters change only once the batch is on disk, so logStats never runs ahead of load().
    state.snapshotBytes = snapshot.byteLength;
    state.logEntries -= logEntries.length;
    state.logBytes -= mergedBytes;
    if (state.meta && !state.deleted) {
      state.meta.sizeBytes = state.snapshotBytes + state.logBytes;
      await this.write([], id);
    }
    return { merged: logEntries.length, snapshotBytes: snapshot.byteLength };
  }

  /** Snapshot first, then log entries in order, read through one iterator (one consistent view). */
  private async readData(id: string): Promise<Array<[string, Uint8Array]>> {
    this.assertOpen();
    const entries: Array<[string, Uint8Array]> = [];
    let snapshot: [string, Uint8Array] | undefined;
    for await (const [key, value] of this.db.iterator(dataRange(id))) {
      if (key === snapshotKey(id)) snapshot = [key, value];
      else entries.push([key, value]);
    }
    return snapshot ? [snapshot, ...entries] : entries;
  }

  private state(id: string): Promise<DocState> {
    this.assertOpen();
    let state = this.states.get(id);
    if (!state) {
      state = this.readState(id);
      this.states.set(id, state);
      state.catch(() => this.states.delete(id));
    }
    return state;
  }

  private async readState(id: string): Promise<DocState> {
    const [metaBytes, tombstone] = await this.db.getMany([metaKey(id), tombstoneKey(id)]);
    const state: DocState = {
      meta: metaBytes ? parseMeta(id, metaBytes) : null,
      deleted: tombstone !== undefined,
      nextSeq: 0,
      logEntries: 0,
      logBytes: 0,
      snapshotBytes: 0,
    };
    for await (const [key, value] of this.db.iterator(dataRange(id))) {
      if (key === snapshotKey(id)) {
        state.snapshotBytes = value.byteLength;
        continue;
      }
      state.logEntries += 1;
      state.logBytes += value.byteLength;
      state.nextSeq = Number.parseInt(key.slice(key.lastIndexOf("!") + 1), 16) + 1;
    }
    return state;
  }

  /** Queues operations (and `metaOf`'s metadata) for the next group commit; resolves once written. */
  private write(operations: Operation[], metaOf?: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.operations.push(...operations);
      if (metaOf !== undefined) this.pending.metaOf.add(metaOf);
      this.pending.waiters.push({ resolve, reject });
      this.writing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    // Let appends made in this same tick join the first batch.
    await Promise.resolve();
    while (this.pending.waiters.length > 0) {
      const batch = this.pending;
      this.pending = emptyBatch();
      const operations: Operation[] = [];
      for (const id of batch.metaOf) {
        const state = await this.states.get(id);
        if (state?.meta && !state.deleted) {
          operations.push({
            type: "put",
            key: metaKey(id),
            value: encoder.encode(JSON.stringify(state.meta)),
          });
        }
      }
      operations.push(...batch.operations);
      try {
        // `sync` is classic-level's option (fsync); other levels ignore it.
        const options: object = { sync: this.syncWrites };
        await this.db.batch(operations, options);
        for (const waiter of batch.waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of batch.waiters) waiter.reject(error);
      }
    }
    this.writing = null;
  }

  private async drain(): Promise<void> {
    while (this.writing) await this.writing;
  }

  /** Public operations stop at close; writes already under way (compactions) still finish. */
  private assertOpen(): void {
    if (this.closed) {
      throw new StoreError("closed", "storage is closed");
    }
  }
}

function emptyBatch(): PendingBatch {
  return { operations: [], metaOf: new Set(), waiters: [] };
}

function deletedError(id: string): StoreError {
  return new StoreError("deleted", `document ${id} was deleted`);
}

function cleanTitle(title: string): string {
  if (typeof title !== "string") throw new TypeError("title must be a string");
  const trimmed = title.trim().slice(0, MAX_TITLE_LENGTH);
  return trimmed.length > 0 ? trimmed : DEFAULT_TITLE;
}

/** Unreadable metadata must not hide the document: fall back to defaults, keep the data. */
function parseMeta(id: string, bytes: Uint8Array): DocMeta {
  try {
    const value = JSON.parse(decoder.decode(bytes)) as Partial<DocMeta>;
    return {
      id,
      title: typeof value.title === "string" ? value.title : DEFAULT_TITLE,
      createdAt: typeof value.createdAt === "number" ? value.createdAt : 0,
      updatedAt: typeof value.updatedAt === "number" ? value.updatedAt : 0,
      sizeBytes: typeof value.sizeBytes === "number" ? value.sizeBytes : 0,
    };
  } catch {
    return { id, title: DEFAULT_TITLE, createdAt: 0, updatedAt: 0, sizeBytes: 0 };
  }
}
