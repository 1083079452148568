import type { WebSocketLike } from "@hocuspocus/server";
import type { WebSocket } from "ws";
import type { Logger } from "../log";
import { permissionDeniedReason, RETRYABLE_REFUSALS } from "../protocol/retryable-refusal";
import { createFrameWriter } from "./frame-writer";
import { CloseCode, type Dialect } from "./sync-socket";
import { isSuppressedEcho } from "./update-pipeline";

/** `/collab`: HocuspocusProvider speaks Hocuspocus's own protocol, so frames pass through. */
export function hocuspocusDialect(log: Logger): Dialect {
  return {
    socketFor: (ws) => retryingSocket(ws, log),
    opening: () => [],
    incoming: (frame) => frame,
  };
}

/** Retryable refusals (see RETRYABLE_REFUSALS) become a close, so providers reconnect. */
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
        if (reason !== null && RETRYABLE_REFUSALS.has(reason)) {
          log.info(
            { component: "sync-socket", reason },
            "closing the socket so the client retries",
          );
          ws.close(CloseCode.TryAgainLater, reason);
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
