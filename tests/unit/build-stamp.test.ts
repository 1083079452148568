import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { computeSourceStamp } from "@/server/web/build-stamp";

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

  it("is stable for unchanged sources and changes with content, names and new files", async () => {
    const first = await computeSourceStamp(dir);
    expect(await computeSourceStamp(dir)).toBe(first);

    await writeFile(path.join(dir, "app", "page.tsx"), "export default 3;");
    const edited = await computeSourceStamp(dir);
    expect(edited).not.toBe(first);

    await mkdir(path.join(dir, "components"));
    await writeFile(path.join(dir, "components", "x.tsx"), "");
    expect(await computeSourceStamp(dir)).not.toBe(edited);
  });

  it("ignores files outside the web sources", async () => {
    const before = await computeSourceStamp(dir);
    await mkdir(path.join(dir, "server"));
    await writeFile(path.join(dir, "server", "index.ts"), "changed");
    expect(await computeSourceStamp(dir)).toBe(before);
  });
});
