import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Hocuspocus, WebSocketLike } from "@hocuspocus/server";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import type { Logger } from "../log";
import { permissionDeniedReason, RETRYABLE_REFUSALS } from "../protocol/retryable-refusal";
import { toFetchRequest } from "./fetch-request";

export interface CollabSocketOptions {
  hocuspocus: Hocuspocus;
  maxMessageBytes: number;
  log: Logger;
}

/** Close codes Tandem sends itself (RFC 6455 and the 4xxx application range). */
export const CloseCode = {
  GoingAway: 1001,
  UnsupportedData: 1003,
  MessageTooBig: 1009,
  TryAgainLater: 1013,
} as const;

/**
 * The `/collab` endpoint: accepts WebSocket upgrades and hands each socket to
 * Hocuspocus. `ws` enforces MAX_MESSAGE_BYTES (closing with 1009) before a
 * frame is buffered whole, so an oversized message never reaches a document.
 */
export class CollabSocket {
  private readonly wss: WebSocketServer;

  constructor(private readonly options: CollabSocketOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageBytes,
      perMessageDeflate: false,
    });
  }

  get clientCount(): number {
    return this.wss.clients.size;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => this.attach(ws, request));
  }

  /** Closes every socket with `code`; providers see a clean close and reconnect elsewhere. */
  closeAll(code: number, reason: string): void {
    for (const ws of this.wss.clients) ws.close(code, reason);
  }

  /** Terminates sockets that did not finish their closing handshake. */
  terminateAll(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private retryingSocket(ws: WebSocket): WebSocketLike {
    return retryingSocketFor(ws, this.options.log);
  }

  private attach(ws: WebSocket, request: IncomingMessage): void {
    const { hocuspocus, log } = this.options;
    const client = hocuspocus.handleConnection(
      this.retryingSocket(ws),
      toFetchRequest(request),
      {},
    );
    ws.on("message", (data: RawData, isBinary: boolean) => {
      if (!isBinary) {
        log.warn({ component: "collab-socket" }, "closed a socket that sent a text frame");
        ws.close(CloseCode.UnsupportedData, "binary frames only");
        return;
      }
      client.handleMessage(toUint8Array(data));
    });
    ws.on("close", (code: number, reason: Buffer) => {
      client.handleClose({ code, reason: reason.toString() });
    });
    ws.on("error", (error: Error & { code?: string }) => {
      // ws has already started closing the socket (1009 for an oversized frame, 1002 for a bad one).
      log.warn(
        { component: "collab-socket", err: error.message, code: error.code },
        "socket error; connection closed",
      );
    });
  }
}

/** The socket as Hocuspocus sees it, with retryable refusals turned into a close (see RETRYABLE_REFUSALS). */
function retryingSocketFor(ws: WebSocket, log: Logger): WebSocketLike {
  return {
    get readyState() {
      return ws.readyState;
    },
    send(data) {
      if (data instanceof Uint8Array) {
        const reason = permissionDeniedReason(data);
        if (reason !== null && RETRYABLE_REFUSALS.has(reason)) {
          log.info(
            { component: "collab-socket", reason },
            "closing the socket so the client retries",
          );
          ws.close(CloseCode.TryAgainLater, reason);
          return;
        }
      }
      ws.send(data as Uint8Array);
    },
    close(code, reason) {
      ws.close(code, reason);
    },
  };
}

function toUint8Array(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

export { WebSocket };
