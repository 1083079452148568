import type { Socket } from "node:net";
import { WebSocket } from "ws";

/** The parts of `ws` internals the fast path relies on (stable across ws 8.x). */
interface WsInternals {
  _socket?: Socket;
  _sender?: { _queue?: unknown[] };
}

const OPCODE_BINARY_FIN = 0x82;

/**
 * Whole frames (header and payload in one buffer) by message. A broadcast
 * hands the same Uint8Array to every connection, so the frame is built once
 * and every socket writes the same bytes with one call.
 */
const frames = new WeakMap<Uint8Array, Buffer>();

function frameFor(data: Uint8Array): Buffer {
  let frame = frames.get(data);
  if (frame) return frame;
  const length = data.byteLength;
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = OPCODE_BINARY_FIN;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.set(data, headerLength);
  frames.set(data, frame);
  return frame;
}

/**
 * Sockets written in this event-loop turn. The first write to a socket goes
 * out at once (a broadcast costs one syscall per socket, nothing more); a
 * socket written again in the same turn is corked until the turn ends, so a
 * burst of acknowledgements still leaves in one syscall. One callback per
 * turn for all sockets, not one per socket.
 */
const written = new Set<Socket>();
let corked: Socket[] = [];
let endScheduled = false;

function endTurn(): void {
  endScheduled = false;
  const toUncork = corked;
  corked = [];
  written.clear();
  for (const socket of toUncork) socket.uncork();
}

/**
 * Writes binary WebSocket frames for one socket. Server-to-client frames are
 * unmasked, so a broadcast's frame is built once and written as-is to every
 * socket, skipping ws's per-send framing and copies. Falls back to `ws.send`
 * whenever ws itself has frames queued, so frame order is always kept.
 */
export function createFrameWriter(ws: WebSocket): (data: Uint8Array) => void {
  const internals = ws as unknown as WsInternals;
  return (data) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    const raw = internals._socket;
    const queue = internals._sender?._queue;
    if (!raw || raw.destroyed || queue === undefined || queue.length > 0) {
      ws.send(data);
      return;
    }
    if (!written.has(raw)) {
      written.add(raw);
      if (!endScheduled) {
        endScheduled = true;
        process.nextTick(endTurn);
      }
    } else if (raw.writableCorked === 0) {
      raw.cork();
      corked.push(raw);
    }
    raw.write(frameFor(data));
  };
}
