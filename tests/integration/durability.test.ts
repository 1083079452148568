import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectClient, type TestClient, waitAcknowledged, waitSynced } from "../helpers/clients";
import { type ServerProcess, spawnServer } from "../helpers/server-process";
import { waitUntil } from "../helpers/wait";

describe("durable before acknowledged (separate server process)", () => {
  let dataDir: string;
  let servers: ServerProcess[] = [];
  let clients: TestClient[] = [];

  beforeEach(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "tandem-durable-"));
  });
  afterEach(async () => {
    for (const client of clients) client.destroy();
    clients = [];
    for (const server of servers) server.child.kill("SIGKILL");
    await Promise.all(servers.map((server) => server.exited));
    servers = [];
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<ServerProcess> {
    const server = await spawnServer({ DATA_DIR: dataDir });
    servers.push(server);
    return server;
  }

  it("keeps every acknowledged edit through SIGKILL", async () => {
    const first = await start();
    const writers = [0, 1, 2].map(() => connectClient(first.wsUrl, "crash-doc"));
    clients.push(...writers);
    await Promise.all(writers.map((writer) => waitSynced(writer)));
    for (let i = 0; i < 100; i++) {
      for (const [index, writer] of writers.entries()) writer.text.insert(0, `${index}:${i} `);
    }
    writers[0]?.doc.getMap("settings").set("theme", "dark");
    await Promise.all(writers.map((writer) => waitAcknowledged(writer)));
    const acknowledged = writers.map((writer) => writer.text.toString());

    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    for (const writer of writers) writer.destroy();
    clients = [];

    const second = await start();
    const reader = connectClient(second.wsUrl, "crash-doc");
    clients.push(reader);
    await waitSynced(reader);
    // Each writer saw the merged text once acknowledged; the merged text must be back.
    expect(acknowledged.every((text) => text === acknowledged[0])).toBe(true);
    expect(reader.text.toString()).toBe(acknowledged[0]);
    expect(reader.text.toString().split(" ").filter(Boolean)).toHaveLength(300);
    expect(reader.doc.getMap("settings").get("theme")).toBe("dark");
  });

  it("shuts down cleanly on SIGTERM: close code 1001, exit 0, content kept", async () => {
    const first = await start();
    const writer = connectClient(first.wsUrl, "restart-doc");
    clients.push(writer);
    const closeCodes: number[] = [];
    writer.socket.on("close", ({ event }: { event: { code: number } }) =>
      closeCodes.push(event.code),
    );
    await waitSynced(writer);
    writer.text.insert(0, "survives a clean restart");
    await waitAcknowledged(writer);

    first.child.kill("SIGTERM");
    expect(await first.exited).toEqual({ code: 0, signal: null });
    await waitUntil(() => closeCodes.length > 0, "the client to see the close");
    expect(closeCodes[0]).toBe(1001);
    expect(first.output.some((line) => line.includes('"stopped"'))).toBe(true);
    writer.destroy();
    clients = [];

    const second = await start();
    const reader = connectClient(second.wsUrl, "restart-doc");
    clients.push(reader);
    await waitSynced(reader);
    expect(reader.text.toString()).toBe("survives a clean restart");
  });

  it("stops with one clear line on bad configuration", async () => {
    await expect(spawnServer({ DATA_DIR: dataDir, PORT: "not-a-port" })).rejects.toThrow(
      /tandem: Invalid configuration: PORT="not-a-port"/,
    );
  });
});
