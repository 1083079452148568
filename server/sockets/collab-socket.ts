import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Hocuspocus } from "@hocuspocus/server";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import type { Logger } from "../log";
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

  private attach(ws: WebSocket, request: IncomingMessage): void {
    const { hocuspocus, log } = this.options;
    const client = hocuspocus.handleConnection(ws, toFetchRequest(request), {});
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

function toUint8Array(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

export { WebSocket };
