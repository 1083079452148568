import type { DocMeta } from "../doc-catalog";

/**
 * What callers ask of a group commit. Each request is decided at commit time
 * against what the database holds then (tombstones, catalog and activity
 * records, read or as the previous commits through the same database object
 * left them), never against what one writer remembers on its own.
 */
export type CommitRequest =
  | AppendRequest
  | CreateRequest
  | RenameRequest
  | DeleteRequest
  | CompactRequest
  | BackfillRequest;

interface Settles<T> {
  id: string;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export interface AppendRequest extends Settles<void> {
  kind: "append";
  /** A copy the caller can no longer change. */
  update: Uint8Array;
}

export interface CreateRequest extends Settles<DocMeta> {
  kind: "create";
  title: string;
}

export interface RenameRequest extends Settles<DocMeta> {
  kind: "rename";
  title: string;
}

/** Resolves false when there was nothing to delete (unknown or already deleted). */
export interface DeleteRequest extends Settles<boolean> {
  kind: "delete";
}

/**
 * A compaction's write, computed outside the commit: put `snapshot`, delete
 * exactly `merged`. Resolves "conflict" when another writer's compaction
 * removed some of `merged` meanwhile (the caller reads again and retries).
 */
export interface CompactRequest extends Settles<"written" | "conflict"> {
  kind: "compact";
  snapshot: Uint8Array;
  merged: string[];
  mergedBytes: number;
}

/** Records the activity of a document stored before activity records existed. */
export interface BackfillRequest extends Settles<void> {
  kind: "backfill";
}
