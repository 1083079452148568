import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * A lock directory beside `.next`, so two `tandem serve` processes started at
 * once (two terminals, parallel test files) do not run `next build` into the
 * same folder together. `mkdir` is atomic on every local file system; the pid
 * inside lets a waiter break a lock whose owner died mid-build.
 */
const LOCK_DIR = ".next-build-lock";
const POLL_MS = 250;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Runs `work` while holding the build lock for `dir`, waiting for another holder first. */
export async function withBuildLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, LOCK_DIR);
  const owner = path.join(lock, "pid");
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(owner, String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number.parseInt(await readFile(owner, "utf8").catch(() => ""), 10);
      // No pid yet means the owner is between mkdir and writeFile; give it a moment.
      if (Number.isInteger(pid) && !isAlive(pid)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
