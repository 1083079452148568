import { mkdir, open, unlink } from "node:fs/promises";
import path from "node:path";
import { ClassicLevel } from "classic-level";
import { StoreError } from "../store-error";
import type { LevelDatabase } from "./database";
import { LevelStorage } from "./level-storage";

export interface LevelDbStorageOptions {
  dir: string;
  /** fsync each group commit (default). Off, a write still survives a process kill, not a power cut. */
  syncWrites?: boolean;
}

/**
 * The default storage: LevelDB on disk under DATA_DIR. LevelDB lets one
 * process at a time open a directory; a second open fails with a message
 * saying so.
 */
export async function openLevelDbStorage({
  dir,
  syncWrites = true,
}: LevelDbStorageOptions): Promise<LevelStorage> {
  await mkdir(dir, { recursive: true });
  const db = new ClassicLevel<string, Uint8Array>(dir, {
    keyEncoding: "utf8",
    valueEncoding: "view",
  });
  try {
    await db.open();
  } catch (error) {
    throw new StoreError(
      "unavailable",
      `cannot open LevelDB at ${dir}: ${describeOpenError(error)}`,
    );
  }
  const storage = new LevelStorage(db as unknown as LevelDatabase, {
    syncWrites,
    ownsDatabase: true,
  });
  storage.setDiskProbe(() => probeDisk(dir));
  return storage;
}

/** Room LevelDB needs to reopen and take writes: a new log, a manifest, a flushed table. */
const PROBE_BYTES = 1024 * 1024;

/** Writes, syncs and removes a file of PROBE_BYTES in `dir`; throws (ENOSPC, EIO) when the disk cannot. */
async function probeDisk(dir: string): Promise<void> {
  const file = path.join(dir, ".tandem-disk-probe");
  const handle = await open(file, "w");
  try {
    await handle.write(Buffer.alloc(PROBE_BYTES));
    await handle.sync();
  } finally {
    await handle.close().catch(() => undefined);
    await unlink(file).catch(() => undefined);
  }
}

function describeOpenError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code === "LEVEL_LOCKED") {
    return "it is locked by another process (is another Tandem server using this DATA_DIR?)";
  }
  if (cause?.code === "LEVEL_CORRUPTION") return `the database is corrupt (${cause.message ?? ""})`;
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}
