import { connect } from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  type ManagedServer,
  processGroupAlive,
  startManagedServer,
} from "@/server/cli/converge/managed-server";

const BROKEN = path.resolve(import.meta.dirname, "fixtures/broken-server.ts");
// `sh -c` runs the server as its child, beside a background process of its own.
const COMMAND = `sleep 300 & BROKEN=forgetful "${process.execPath}" --import tsx "${BROKEN}"`;

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("a managed --server-cmd server", () => {
  let server: ManagedServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it("kill() ends the shell and everything it started before a restart", async () => {
    server = await startManagedServer(COMMAND);
    const [first] = server.processGroups;
    expect(first).toBeGreaterThan(0);
    expect(await portOpen(server.port)).toBe(true);

    await server.kill();
    expect(processGroupAlive(first!)).toBe(false);
    // Nothing of the killed server still answers on its port.
    expect(await portOpen(server.port)).toBe(false);

    await server.restart();
    expect(server.processGroups).toHaveLength(2);
    expect(await portOpen(server.port)).toBe(true);
  }, 60_000);

  it("stop() leaves no process of any start behind", async () => {
    server = await startManagedServer(COMMAND);
    await server.kill();
    await server.restart();
    const groups = [...server.processGroups];
    await server.stop();
    server = undefined;
    expect(groups).toHaveLength(2);
    expect(groups.filter(processGroupAlive)).toEqual([]);
  }, 60_000);
});
