import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/** What the web build depends on; a change to any of these makes the build stale. */
export const WEB_SOURCES = [
  "app",
  "components",
  "lib",
  "next.config.ts",
  "package-lock.json",
  "tsconfig.json",
];

/**
 * A content hash of the web app's sources. Content, not mtimes: a fresh clone
 * has fresh mtimes everywhere, and an unchanged checkout must not rebuild.
 */
export async function computeSourceStamp(dir: string): Promise<string> {
  const hash = createHash("sha256");
  for (const entry of WEB_SOURCES) {
    for (const file of await listFiles(path.join(dir, entry))) {
      hash.update(path.relative(dir, file));
      hash.update("\0");
      hash.update(await readFile(file));
      hash.update("\0");
    }
  }
  return hash.digest("hex");
}

async function listFiles(target: string): Promise<string[]> {
  let entries: Array<import("node:fs").Dirent>;
  try {
    entries = await readdir(target, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR") return [target];
    if (code === "ENOENT") return [];
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(target, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(full)));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}
