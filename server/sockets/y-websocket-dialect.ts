import type { WebSocketLike } from "@hocuspocus/server";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import type { WebSocket } from "ws";
import type { Logger } from "../log";
import { RETRYABLE_REFUSALS } from "../protocol/retryable-refusal";
import { createFrameWriter } from "./frame-writer";
import { CloseCode, type Dialect } from "./sync-socket";
import { isSuppressedEcho } from "./update-pipeline";

// Message types shared by y-websocket and Hocuspocus; Hocuspocus adds the rest.
const SYNC = 0;
const AWARENESS = 1;
const AUTH = 2;
const QUERY_AWARENESS = 3;
const SYNC_REPLY = 4;
const CLOSE = 7;
const AUTH_PERMISSION_DENIED = 1;
const Y_PERMISSION_DENIED = 0;

/**
 * `/yjs/<id>`: plain y-websocket clients. Their frames are Hocuspocus frames
 * without the document address and without the Auth handshake, so the dialect
 * adds both on the way in and strips them (and Hocuspocus-only messages such
 * as sync-status) on the way out.
 */
export function yWebsocketDialect(documentName: string, log: Logger): Dialect {
  const address = encoding.encode((encoder) => encoding.writeVarString(encoder, documentName));
  return {
    socketFor: (ws) => translatingSocket(ws, log),
    opening: () => [
      encoding.encode((encoder) => {
        encoding.writeUint8Array(encoder, address);
        encoding.writeVarUint(encoder, AUTH);
        encoding.writeVarUint(encoder, 0); // token message
        encoding.writeVarString(encoder, "");
      }),
    ],
    incoming(frame) {
      const prefixed = new Uint8Array(address.length + frame.length);
      prefixed.set(address, 0);
      prefixed.set(frame, address.length);
      return prefixed;
    },
  };
}

/**
 * One stripped view per frame: a broadcast hands the same frame to every socket,
 * so it is read once and every socket writes the same body (one frame header).
 */
const stripped = new WeakMap<Uint8Array, Uint8Array>();

function translatingSocket(ws: WebSocket, log: Logger): WebSocketLike {
  const write = createFrameWriter(ws);
  const socket: WebSocketLike = {
    get readyState() {
      return ws.readyState;
    },
    send(data) {
      const frame = data as Uint8Array;
      if (isSuppressedEcho(socket, frame)) return;
      const body = stripped.get(frame);
      if (body) {
        write(body);
        return;
      }
      const decoder = decoding.createDecoder(frame);
      decoding.readVarString(decoder);
      const bodyStart = decoder.pos;
      const type = decoding.readVarUint(decoder);
      if (type === SYNC || type === AWARENESS || type === QUERY_AWARENESS) {
        const view = frame.subarray(bodyStart);
        stripped.set(frame, view);
        write(view);
      } else if (type === SYNC_REPLY) {
        write(
          encoding.encode((encoder) => {
            encoding.writeVarUint(encoder, SYNC);
            encoding.writeUint8Array(encoder, decoding.readTailAsUint8Array(decoder));
          }),
        );
      } else if (type === AUTH && decoding.readVarUint(decoder) === AUTH_PERMISSION_DENIED) {
        const reason = decoding.readVarString(decoder);
        if (RETRYABLE_REFUSALS.has(reason)) {
          ws.close(CloseCode.TryAgainLater, reason);
          return;
        }
        ws.send(
          encoding.encode((encoder) => {
            encoding.writeVarUint(encoder, AUTH);
            encoding.writeVarUint(encoder, Y_PERMISSION_DENIED);
            encoding.writeVarString(encoder, reason);
          }),
        );
        // 44xx tells y-websocket not to reconnect: retrying cannot fix a refusal.
        log.info({ component: "sync-socket", reason }, "refused a y-websocket client");
        ws.close(CloseCode.Forbidden, reason);
      } else if (type === CLOSE) {
        ws.close(CloseCode.Forbidden, decoding.readVarString(decoder));
      }
      // Authenticated, sync-status and stateless frames have no y-websocket equivalent.
    },
    close(code, reason) {
      ws.close(code, reason);
    },
  };
  return socket;
}
