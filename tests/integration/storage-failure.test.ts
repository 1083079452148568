import { execFileSync } from "node:child_process";
import { mkdtemp, open, rm, rmdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { Refusal } from "@/lib/protocol/refusals";
import { connectClient, type TestClient, waitAcknowledged, waitSynced } from "../helpers/clients";
import { startTestServer, type TestServer } from "../helpers/tandem";
import { waitUntil } from "../helpers/wait";

/** A real, small filesystem (tmpfs) so the disk can really fill up and be freed again. */
async function mountSmallDisk(megabytes: number): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "tandem-small-disk-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${megabytes}m`, "tmpfs", dir], {
      stdio: "pipe",
    });
    return dir;
  } catch (error) {
    await rmdir(dir);
    throw new Error(`cannot mount a tmpfs for the full-disk test: ${error}`);
  }
}

/** Writes a file until the disk is full; returns its path. */
async function fillDisk(dir: string): Promise<string> {
  const file = path.join(dir, "filler");
  const handle = await open(file, "w");
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) {
      await handle.write(chunk);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    await handle.close().catch(() => undefined);
  }
  // Small writes can still find room in partly used blocks; fill those too.
  const tail = await open(file, "a");
  try {
    for (;;) await tail.write(Buffer.alloc(512, 1));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOSPC") throw error;
  } finally {
    await tail.close().catch(() => undefined);
  }
  return file;
}

// Mounting needs root; CI runs as root and must run this test, elsewhere it may be skipped.
const canMount = process.getuid?.() === 0 || Boolean(process.env.CI);

describe.skipIf(!canMount)("storage failure is a state, not a crash", () => {
  let disk = "";
  let server: TestServer | undefined;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    disk = await mountSmallDisk(8);
  });
  afterAll(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await server?.close();
    if (disk) {
      execFileSync("umount", [disk]);
      await rmdir(disk);
    }
  });

  it("refuses writes while the disk is full, reports it, and resumes by itself once freed", async () => {
    server = await startTestServer({ SYNC_WRITES: "true" }, { dataDir: disk });
    const writer = connectClient(server.wsUrl, "full-disk");
    const watcher = connectClient(server.wsUrl, "full-disk");
    clients.push(writer, watcher);
    await Promise.all([waitSynced(writer), waitSynced(watcher)]);
    writer.text.insert(0, "before. ");
    await waitAcknowledged(writer);

    const filler = await fillDisk(disk);
    // Larger than any page a file may still have room in, so it cannot fit anywhere.
    const pending = `while full: ${"x".repeat(64 * 1024)}. `;
    writer.text.insert(writer.text.length, pending);
    const readyz = async () => {
      const response = await fetch(`${server!.url}/readyz`);
      return { status: response.status, body: (await response.json()) as { status: string } };
    };
    await waitUntil(
      async () => (await readyz()).status === 503,
      "readiness to report the failing store",
    );
    expect((await readyz()).body.status).toBe(Refusal.StorageUnavailable);

    // Every transport refuses writes with a clear answer and acknowledges nothing.
    const post = await fetch(`${server.url}/api/docs/full-disk/updates`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: new Uint8Array(
        (() => {
          const doc = new Y.Doc();
          doc.getText("text").insert(0, "over http. ");
          return Y.encodeStateAsUpdate(doc);
        })(),
      ),
    });
    expect(post.status).toBe(503);
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe(
      Refusal.StorageUnavailable,
    );
    expect(writer.provider.unsyncedChanges).toBeGreaterThan(0);
    expect(watcher.text.toString()).toBe("before. ");

    // The outage lasts: the writer keeps reconnecting and being refused with a retryable
    // close, never refused for good, and the server keeps serving reads meanwhile.
    const refusals: string[] = [];
    writer.provider.on("authenticationFailed", ({ reason }: { reason: string }) =>
      refusals.push(reason),
    );
    let disconnects = 0;
    writer.provider.on("status", ({ status }: { status: string }) => {
      if (status === "disconnected") disconnects += 1;
    });
    await waitUntil(() => disconnects >= 3, "the writer to be refused three times over");
    const reader = connectClient(server.wsUrl, "full-disk");
    clients.push(reader);
    await waitSynced(reader, "a new reader to load the document while the disk is full");
    expect(reader.text.toString()).toBe("before. ");
    const state = await fetch(`${server.url}/api/docs/full-disk/state`);
    expect(state.status).toBe(200);
    expect(refusals).toEqual([]);

    // Space comes back: the server notices by itself, and the pending edit is acknowledged
    // without a restart and reaches the other client.
    await rm(filler);
    await waitUntil(async () => (await readyz()).status === 200, "readiness to recover", 30_000);
    await waitAcknowledged(writer);
    await waitUntil(
      () => watcher.text.toString() === `before. ${pending}`,
      "the pending edit to reach the other client",
    );
    const stored = await server.storage.log.load("full-disk");
    const copy = new Y.Doc();
    for (const update of stored?.updates ?? []) Y.applyUpdate(copy, update);
    expect(copy.getText("text").toString()).toBe(`before. ${pending}`);
  }, 90_000);
});
