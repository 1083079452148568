import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { createFrameWriter } from "@/server/sockets/frame-writer";
import { waitUntil } from "../../helpers/wait";

describe("createFrameWriter", () => {
  let wss: WebSocketServer | undefined;
  const listen = async () => {
    const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    wss = server;
    await new Promise((resolve) => server.once("listening", resolve));
    return (server.address() as AddressInfo).port;
  };
  afterEach(async () => {
    await new Promise<void>((resolve) => (wss ? wss.close(() => resolve()) : resolve()));
  });

  it("delivers every frame size intact and in order, interleaved with ws.send, to many sockets", async () => {
    const port = await listen();
    const payloads = [0, 1, 125, 126, 1000, 65535, 65536, 200_000].map((size, n) =>
      Uint8Array.from({ length: size }, (_, i) => (i * 31 + n) % 251),
    );
    const servers: WebSocket[] = [];
    wss?.on("connection", (ws) => servers.push(ws));
    const received: Uint8Array[][] = [[], [], []];
    const clients = received.map((inbox) => {
      const client = new WebSocket(`ws://127.0.0.1:${port}`);
      client.on("message", (data: Buffer) => inbox.push(new Uint8Array(data)));
      return client;
    });
    await waitUntil(() => servers.length === clients.length, "connections");

    const writers = servers.map((ws) => createFrameWriter(ws));
    for (const [i, payload] of payloads.entries()) {
      // The same Uint8Array goes to every socket, as in a broadcast.
      for (const write of writers) write(payload);
      if (i % 3 === 0) for (const ws of servers) ws.send(new Uint8Array([42, i]));
    }
    const expected = payloads.flatMap((payload, i) =>
      i % 3 === 0 ? [payload, new Uint8Array([42, i])] : [payload],
    );
    await waitUntil(
      () => received.every((inbox) => inbox.length === expected.length),
      "every frame",
    );
    for (const inbox of received) {
      expect(inbox.map((frame) => frame.byteLength)).toEqual(
        expected.map((frame) => frame.byteLength),
      );
      for (const [i, frame] of inbox.entries())
        expect(Buffer.from(frame).equals(Buffer.from(expected[i] as Uint8Array))).toBe(true);
    }
    for (const client of clients) client.close();
  });

  it("keeps order for a burst to one socket within one turn (corked after the first write)", async () => {
    const port = await listen();
    let server: WebSocket | undefined;
    wss?.on("connection", (ws) => {
      server = ws;
    });
    const inbox: number[] = [];
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    client.on("message", (data: Buffer) => inbox.push(data.readUInt16BE(0)));
    try {
      await waitUntil(() => server !== undefined, "connection");
      const write = createFrameWriter(server as WebSocket);
      // One array reused for every write, as an acknowledgement is: framed once, sent each time.
      const ack = new Uint8Array([0xff, 0xff]);
      const expected: number[] = [];
      for (let n = 1; n <= 1000; n++) {
        const frame = new Uint8Array(2);
        new DataView(frame.buffer).setUint16(0, n);
        write(frame);
        expected.push(n);
        if (n % 100 === 0) {
          write(ack);
          expected.push(0xffff);
        }
      }
      await waitUntil(() => inbox.length === expected.length, "every frame");
      expect(inbox).toEqual(expected);
    } finally {
      client.close();
    }
  });

  it("drops writes after the socket closed instead of throwing", async () => {
    const port = await listen();
    let server: WebSocket | undefined;
    wss?.on("connection", (ws) => {
      server = ws;
    });
    const client = new WebSocket(`ws://127.0.0.1:${port}`);
    await waitUntil(() => server !== undefined, "connection");
    const write = createFrameWriter(server as WebSocket);
    server?.close();
    expect(() => write(new Uint8Array([1, 2, 3]))).not.toThrow();
    client.close();
  });
});
