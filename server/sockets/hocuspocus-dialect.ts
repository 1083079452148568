import type { WebSocketLike } from "@hocuspocus/server";
import type { WebSocket } from "ws";
import { permissionDeniedReason } from "../../lib/protocol/frames";
import { isRetryableRefusal, refusalRule } from "../../lib/protocol/refusals";
import type { Logger } from "../log";
import { createFrameWriter } from "./frame-writer";
import type { Dialect } from "./sync-socket";
import { isSuppressedEcho } from "./update-pipeline";

/** `/collab`: HocuspocusProvider speaks Hocuspocus's own protocol, so frames pass through. */
export function hocuspocusDialect(log: Logger): Dialect {
  return {
    socketFor: (ws) => retryingSocket(ws, log),
    opening: () => [],
    incoming: (frame) => frame,
  };
}

/**
 * Hocuspocus answers every failure while opening a document with a
 * permission-denied frame, which providers treat as final. Retryable
 * refusals (the server's state, not the client's rights) become a close
 * instead, so providers reconnect with backoff and their unsent edits survive.
 */
function retryingSocket(ws: WebSocket, log: Logger): WebSocketLike {
  const write = createFrameWriter(ws);
  const socket: WebSocketLike = {
    get readyState() {
      return ws.readyState;
    },
    send(data) {
      if (isSuppressedEcho(socket, data as Uint8Array)) return;
      if (data instanceof Uint8Array) {
        const reason = permissionDeniedReason(data);
        if (reason !== null && isRetryableRefusal(reason)) {
          log.info(
            { component: "sync-socket", reason },
            "closing the socket so the client retries",
          );
          ws.close(refusalRule(reason).close, reason);
          return;
        }
      }
      write(data as Uint8Array);
    },
    close(code, reason) {
      ws.close(code, reason);
    },
  };
  return socket;
}
