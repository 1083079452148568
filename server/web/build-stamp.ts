import { createHash } from "node:crypto";
import type { Dirent } from "node:fs";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
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

/** Written into `.next/` after a successful build; `next build` replaces the folder, stamp included. */
export const STAMP_FILE = "tandem-build-stamp";

/** `current`: built from these exact sources; `missing`: never built; `stale`: sources changed since. */
export type BuildState = "current" | "missing" | "stale";

/**
 * A content hash of the web app's sources. Content, not mtimes: a fresh clone
 * has fresh mtimes everywhere, and an unchanged checkout must not rebuild.
 */
export async function computeSourceStamp(dir: string): Promise<string> {
  const hash = createHash("sha256");
  for (const entry of WEB_SOURCES) {
    for (const file of await listFiles(path.join(dir, entry))) {
      hash.update(path.relative(dir, file).split(path.sep).join("/"));
      hash.update("\0");
      hash.update(await readFile(file));
      hash.update("\0");
    }
  }
  return hash.digest("hex");
}

/** Compares the build in `<dir>/.next` with `stamp` (from {@link computeSourceStamp}). */
export async function checkBuild(dir: string, stamp: string): Promise<BuildState> {
  if (!(await hasBuild(dir))) return "missing";
  const built = await readFile(path.join(dir, ".next", STAMP_FILE), "utf8").catch(() => null);
  return built === stamp ? "current" : "stale";
}

/** Records that the build in `<dir>/.next` was made from sources with this stamp. */
export async function writeBuildStamp(dir: string, stamp: string): Promise<void> {
  await writeFile(path.join(dir, ".next", STAMP_FILE), stamp);
}

/**
 * Removed before a build starts, so a build that fails half-way never keeps the
 * stamp of the build it partly overwrote (reverting the sources would then skip
 * the rebuild and serve the broken output).
 */
export async function removeBuildStamp(dir: string): Promise<void> {
  await rm(path.join(dir, ".next", STAMP_FILE), { force: true });
}

/** Whether `<dir>/.next` holds a production build (Next refuses to start without BUILD_ID). */
export async function hasBuild(dir: string): Promise<boolean> {
  return readFile(path.join(dir, ".next", "BUILD_ID"), "utf8").then(
    (id) => id.trim().length > 0,
    () => false,
  );
}

async function listFiles(target: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(target, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR") return [target];
    if (code === "ENOENT") return [];
    throw error;
  }
  const files: string[] = [];
  // Sorted so the hash does not depend on the file system's listing order.
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const full = path.join(target, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(full)));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}
