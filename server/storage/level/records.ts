import type { DocMeta } from "../doc-catalog";

/** The catalog's own record of a document (`m!<id>`). */
export interface CatalogRecord {
  title: string;
  createdAt: number;
  /** The creation or last rename (in old records: the last change of any kind). */
  updatedAt: number;
}

/** What the update log keeps up to date on every commit touching a document (`a!<id>`). */
export interface Activity {
  /** The last append (0 if none is known). */
  updatedAt: number;
  snapshotBytes: number;
  logEntries: number;
  logBytes: number;
}

export const NO_ACTIVITY: Readonly<Activity> = Object.freeze({
  updatedAt: 0,
  snapshotBytes: 0,
  logEntries: 0,
  logBytes: 0,
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

function decodeObject(bytes: Uint8Array): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

export function encodeCatalog(record: CatalogRecord): Uint8Array {
  return encodeJson({
    title: record.title,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  });
}

/**
 * Unreadable metadata must not hide the document: whatever cannot be read
 * falls back (an empty title, times 0), and the data stays reachable. Old
 * records ({title, createdAt, updatedAt, sizeBytes}) read the same way; their
 * sizeBytes is ignored (sizes come from the activity record, or are counted
 * again from the data when it is missing).
 */
export function parseCatalog(bytes: Uint8Array): CatalogRecord {
  const value = decodeObject(bytes) ?? {};
  const createdAt = numberOr(value.createdAt, 0);
  return {
    title: typeof value.title === "string" ? value.title : "",
    createdAt,
    updatedAt: numberOr(value.updatedAt, createdAt),
  };
}

export function encodeActivity(activity: Activity): Uint8Array {
  return encodeJson({
    updatedAt: activity.updatedAt,
    snapshotBytes: activity.snapshotBytes,
    logEntries: activity.logEntries,
    logBytes: activity.logBytes,
  });
}

/** Null when missing or unreadable: the caller then counts the document's data again. */
export function parseActivity(bytes: Uint8Array | undefined): Activity | null {
  if (bytes === undefined) return null;
  const value = decodeObject(bytes);
  if (value === null) return null;
  const fields = [value.updatedAt, value.snapshotBytes, value.logEntries, value.logBytes];
  if (!fields.every((field) => typeof field === "number" && Number.isFinite(field))) return null;
  return {
    updatedAt: value.updatedAt as number,
    snapshotBytes: value.snapshotBytes as number,
    logEntries: value.logEntries as number,
    logBytes: value.logBytes as number,
  };
}

export function toDocMeta(id: string, catalog: CatalogRecord, activity: Activity): DocMeta {
  return {
    id,
    title: catalog.title,
    createdAt: catalog.createdAt,
    updatedAt: Math.max(catalog.updatedAt, activity.updatedAt),
    sizeBytes: activity.snapshotBytes + activity.logBytes,
  };
}
