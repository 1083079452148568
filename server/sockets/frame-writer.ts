import type { Socket } from "node:net";
import { WebSocket } from "ws";

/** The parts of `ws` internals the fast path relies on (stable across ws 8.x). */
interface WsInternals {
  _socket?: Socket;
  _sender?: { _queue?: unknown[] };
}

const OPCODE_BINARY_FIN = 0x82;

/** Frame headers by message: a broadcast sends one Uint8Array to every connection. */
const headers = new WeakMap<Uint8Array, Buffer>();

function headerFor(data: Uint8Array): Buffer {
  let header = headers.get(data);
  if (header) return header;
  const length = data.byteLength;
  if (length < 126) {
    header = Buffer.from([OPCODE_BINARY_FIN, length]);
  } else if (length < 65536) {
    header = Buffer.allocUnsafe(4);
    header[0] = OPCODE_BINARY_FIN;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.allocUnsafe(10);
    header[0] = OPCODE_BINARY_FIN;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  headers.set(data, header);
  return header;
}

/**
 * Writes binary WebSocket frames for one socket. Server-to-client frames are
 * unmasked, so a broadcast's frame header is built once and the payload is
 * written as-is to every socket, skipping ws's per-send framing and copies.
 * Writes in one event-loop turn are corked into one syscall (a burst of
 * acknowledgements costs one write, not one each). Falls back to `ws.send`
 * whenever ws itself has frames queued, so frame order is always kept.
 */
export function createFrameWriter(ws: WebSocket): (data: Uint8Array) => void {
  const internals = ws as unknown as WsInternals;
  let corked = false;
  const uncork = () => {
    corked = false;
    internals._socket?.uncork();
  };
  return (data) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    const raw = internals._socket;
    const queue = internals._sender?._queue;
    if (!raw || raw.destroyed || queue === undefined || queue.length > 0) {
      ws.send(data);
      return;
    }
    if (!corked) {
      corked = true;
      raw.cork();
      process.nextTick(uncork);
    }
    raw.write(headerFor(data));
    raw.write(data);
  };
}
