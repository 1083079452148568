import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  checkBuild,
  computeSourceStamp,
  removeBuildStamp,
  writeBuildStamp,
} from "@/server/web/build-stamp";

describe("web build stamp", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tandem-stamp-"));
    await mkdir(path.join(dir, "app", "d"), { recursive: true });
    await writeFile(path.join(dir, "app", "page.tsx"), "export default 1;");
    await writeFile(path.join(dir, "app", "d", "page.tsx"), "export default 2;");
    await writeFile(path.join(dir, "next.config.ts"), "export default {};");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** What `next build` leaves behind, as far as the stamp logic cares. */
  async function fakeBuild(): Promise<void> {
    await mkdir(path.join(dir, ".next"), { recursive: true });
    await writeFile(path.join(dir, ".next", "BUILD_ID"), "build-1");
  }

  it("is stable for unchanged sources and changes with content, names and new files", async () => {
    const first = await computeSourceStamp(dir);
    expect(await computeSourceStamp(dir)).toBe(first);

    await writeFile(path.join(dir, "app", "page.tsx"), "export default 3;");
    const edited = await computeSourceStamp(dir);
    expect(edited).not.toBe(first);

    await mkdir(path.join(dir, "components"));
    await writeFile(path.join(dir, "components", "x.tsx"), "");
    const added = await computeSourceStamp(dir);
    expect(added).not.toBe(edited);

    await rm(path.join(dir, "components", "x.tsx"));
    await writeFile(path.join(dir, "components", "y.tsx"), "");
    expect(await computeSourceStamp(dir)).not.toBe(added);
  });

  it("covers the lockfile and config files at the top level", async () => {
    const before = await computeSourceStamp(dir);
    await writeFile(path.join(dir, "package-lock.json"), "{}");
    const withLock = await computeSourceStamp(dir);
    expect(withLock).not.toBe(before);
    await writeFile(path.join(dir, "next.config.ts"), "export default { poweredByHeader: false };");
    expect(await computeSourceStamp(dir)).not.toBe(withLock);
  });

  it("ignores files outside the web sources, including the build output", async () => {
    const before = await computeSourceStamp(dir);
    await mkdir(path.join(dir, "server"));
    await writeFile(path.join(dir, "server", "index.ts"), "changed");
    await fakeBuild();
    await writeBuildStamp(dir, before);
    expect(await computeSourceStamp(dir)).toBe(before);
  });

  it("reports missing, then stale, then current, then stale after an edit", async () => {
    const stamp = await computeSourceStamp(dir);
    expect(await checkBuild(dir, stamp)).toBe("missing");

    // A build made by hand (`npm run build`) has no stamp: rebuild once to know what it holds.
    await fakeBuild();
    expect(await checkBuild(dir, stamp)).toBe("stale");

    await writeBuildStamp(dir, stamp);
    expect(await checkBuild(dir, stamp)).toBe("current");

    await writeFile(path.join(dir, "app", "d", "page.tsx"), "export default 4;");
    const edited = await computeSourceStamp(dir);
    expect(await checkBuild(dir, edited)).toBe("stale");
  });

  it("counts a build without BUILD_ID as missing even when a stamp is left over", async () => {
    const stamp = await computeSourceStamp(dir);
    await fakeBuild();
    await writeBuildStamp(dir, stamp);
    await rm(path.join(dir, ".next", "BUILD_ID"));
    expect(await checkBuild(dir, stamp)).toBe("missing");
  });

  it("is stale once the stamp is removed before a rebuild, whatever the sources", async () => {
    const stamp = await computeSourceStamp(dir);
    await fakeBuild();
    await writeBuildStamp(dir, stamp);
    await removeBuildStamp(dir);
    expect(await checkBuild(dir, stamp)).toBe("stale");
    await removeBuildStamp(dir);
  });
});
