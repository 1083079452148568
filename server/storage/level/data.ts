import type { LevelDatabase } from "./database";
import { dataRange, snapshotKey } from "./keys";
import type { Activity } from "./records";

export interface StoredEntry {
  key: string;
  value: Uint8Array;
}

/** A document's stored data, read through one iterator (one consistent point). */
export interface DocData {
  snapshot: StoredEntry | null;
  /** Log entries in key order. */
  log: StoredEntry[];
}

export async function readData(db: LevelDatabase, id: string): Promise<DocData> {
  const snapshot = snapshotKey(id);
  const data: DocData = { snapshot: null, log: [] };
  for await (const [key, value] of db.iterator(dataRange(id))) {
    if (key === snapshot) data.snapshot = { key, value };
    else data.log.push({ key, value });
  }
  return data;
}

/** The snapshot (if any) followed by the log entries: the order a document is replayed in. */
export function inReplayOrder(data: DocData): StoredEntry[] {
  return data.snapshot ? [data.snapshot, ...data.log] : data.log;
}

export function byteLength(entries: readonly StoredEntry[]): number {
  let bytes = 0;
  for (const entry of entries) bytes += entry.value.byteLength;
  return bytes;
}

/** Every data key of a document and its sizes, counted from what is stored. */
export interface DataCount {
  keys: string[];
  snapshotBytes: number;
  logEntries: number;
  logBytes: number;
}

export async function countData(db: LevelDatabase, id: string): Promise<DataCount> {
  const snapshot = snapshotKey(id);
  const count: DataCount = { keys: [], snapshotBytes: 0, logEntries: 0, logBytes: 0 };
  for await (const [key, value] of db.iterator(dataRange(id))) {
    count.keys.push(key);
    if (key === snapshot) {
      count.snapshotBytes = value.byteLength;
    } else {
      count.logEntries += 1;
      count.logBytes += value.byteLength;
    }
  }
  return count;
}

/**
 * The activity record of a document that has none (data written before it
 * existed). Its time is unknown: 0, so the catalog record's own updatedAt
 * (in old records, the last change of any kind) is the document's.
 */
export function activityFromCount(count: DataCount): Activity {
  return {
    updatedAt: 0,
    snapshotBytes: count.snapshotBytes,
    logEntries: count.logEntries,
    logBytes: count.logBytes,
  };
}
