import type { WebSocketLike } from "@hocuspocus/server";
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import type { WebSocket } from "ws";
import { encodeAuthToken } from "../../lib/protocol/frames";
import {
  AuthMessage,
  MessageType,
  Y_WEBSOCKET_PERMISSION_DENIED,
} from "../../lib/protocol/message-types";
import {
  CloseCode,
  isRefusalCode,
  isRetryableRefusal,
  refusalRule,
} from "../../lib/protocol/refusals";
import type { Logger } from "../log";
import { createFrameWriter } from "./frame-writer";
import type { Dialect } from "./sync-socket";
import { isSuppressedEcho } from "./update-pipeline";

/**
 * `/yjs/<id>`: plain y-websocket clients. Their frames are Hocuspocus frames
 * without the document address and without the Auth handshake, so the dialect
 * adds both on the way in (the token is the URL's `token` parameter, which
 * y-websocket sends through its `params` option) and strips them (and
 * Hocuspocus-only messages such as sync-status) on the way out.
 */
export function yWebsocketDialect(documentName: string, token: string, log: Logger): Dialect {
  const address = encoding.encode((encoder) => encoding.writeVarString(encoder, documentName));
  return {
    socketFor: (ws) => translatingSocket(ws, log),
    opening: () => [encodeAuthToken(documentName, token)],
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
      if (
        type === MessageType.Sync ||
        type === MessageType.Awareness ||
        type === MessageType.QueryAwareness
      ) {
        const view = frame.subarray(bodyStart);
        stripped.set(frame, view);
        write(view);
      } else if (type === MessageType.SyncReply) {
        write(
          encoding.encode((encoder) => {
            encoding.writeVarUint(encoder, MessageType.Sync);
            encoding.writeUint8Array(encoder, decoding.readTailAsUint8Array(decoder));
          }),
        );
      } else if (
        type === MessageType.Auth &&
        decoding.readVarUint(decoder) === AuthMessage.PermissionDenied
      ) {
        refuse(ws, decoding.readVarString(decoder), log);
      } else if (type === MessageType.Close) {
        // Hocuspocus closed this document for a refusal (an invalid update, say): its own code.
        const reason = decoding.readVarString(decoder);
        ws.close(isRefusalCode(reason) ? refusalRule(reason).close : CloseCode.Forbidden, reason);
      }
      // Authenticated, sync-status and stateless frames have no y-websocket equivalent.
    },
    close(code, reason) {
      ws.close(code, reason);
    },
  };
  return socket;
}

/**
 * Retryable refusals close with their code (y-websocket reconnects); the rest
 * send y-websocket's permission-denied message and close with a 44xx code,
 * which tells y-websocket not to reconnect: retrying cannot fix a refusal.
 */
function refuse(ws: WebSocket, reason: string, log: Logger): void {
  if (isRetryableRefusal(reason)) {
    ws.close(refusalRule(reason).close, reason);
    return;
  }
  ws.send(
    encoding.encode((encoder) => {
      encoding.writeVarUint(encoder, MessageType.Auth);
      encoding.writeVarUint(encoder, Y_WEBSOCKET_PERMISSION_DENIED);
      encoding.writeVarString(encoder, reason);
    }),
  );
  log.info({ component: "sync-socket", reason }, "refused a y-websocket client");
  const close = isRefusalCode(reason) ? refusalRule(reason).close : CloseCode.Forbidden;
  ws.close(close >= 4400 && close < 4500 ? close : CloseCode.Forbidden, reason);
}
