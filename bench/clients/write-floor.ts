import { connect as connectTcp, type Socket } from "node:net";
import { driveClient } from "./driver";

export interface WriteFloorInput {
  port: number;
  sockets: number;
  rounds: number;
  ratePerSecond: number;
}

export interface WriteFloorResult {
  microsPerWrite: number;
  /** The part of it spent in the kernel (system time): the loopback TCP path itself. */
  kernelMicrosPerWrite: number;
}

/**
 * Calibration for scenario (c): what one small write to a loopback socket
 * costs this machine's CPU with no WebSocket, Yjs or server logic at all. A
 * server that writes once per delivery cannot spend less than this per
 * delivery; it is the kernel's share of every figure in the fan-out table.
 */
driveClient<WriteFloorInput, WriteFloorResult>(async (input) => {
  const sockets = await Promise.all(
    Array.from(
      { length: input.sockets },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connectTcp(input.port, "127.0.0.1", () => resolve(socket));
          socket.setNoDelay(true);
          socket.once("error", reject);
        }),
    ),
  );
  // The size of a one-character update frame as Tandem sends it.
  const frame = Buffer.alloc(40, 7);
  return async () => {
    const before = process.cpuUsage();
    for (let round = 0; round < input.rounds; round++) {
      for (const socket of sockets) socket.write(frame);
      await new Promise((resolve) => setTimeout(resolve, 1000 / input.ratePerSecond));
    }
    const used = process.cpuUsage(before);
    for (const socket of sockets) socket.destroy();
    const writes = input.rounds * input.sockets;
    return {
      microsPerWrite: (used.user + used.system) / writes,
      kernelMicrosPerWrite: used.system / writes,
    };
  };
});
