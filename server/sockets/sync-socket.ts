import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Hocuspocus, WebSocketLike } from "@hocuspocus/server";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { CloseCode, Refusal, refusalRule } from "../../lib/protocol/refusals";
import type { Logger } from "../log";
import { toFetchRequest } from "./fetch-request";
import { Liveness } from "./liveness";

export interface SyncSocketOptions {
  hocuspocus: Hocuspocus;
  maxMessageBytes: number;
  /** Ping every socket this often and close one that missed the previous ping; 0: never. */
  pingIntervalMs?: number;
  /**
   * Close a socket that has opened no document this long after connecting
   * (sockets that never authenticate, or were refused and stay open); 0: never.
   */
  handshakeTimeoutMs?: number;
  /** Whether a socket has opened a document yet. */
  hasEstablished?: (socket: WebSocketLike) => boolean;
  log: Logger;
  /**
   * Offered each client frame first; returning true takes it away from
   * Hocuspocus (the taker hands it on through `forward` if it must).
   */
  intercept?: (
    socket: WebSocketLike,
    frame: Uint8Array,
    forward: (frame: Uint8Array) => void,
  ) => boolean;
}

/**
 * How one wire protocol maps onto Hocuspocus's: Hocuspocus frames are the
 * y-protocols frames with a document address in front and an Auth handshake.
 */
export interface Dialect {
  /** The socket Hocuspocus writes to; translates its outgoing frames. */
  socketFor(ws: WebSocket): WebSocketLike;
  /** Frames Hocuspocus must see before the client's first one. */
  opening(): Uint8Array[];
  /** A client frame as Hocuspocus expects it. */
  incoming(frame: Uint8Array): Uint8Array;
}

/**
 * A WebSocket endpoint feeding Hocuspocus. Every dialect reaches the same live
 * documents through the same hooks, so durability and limits are identical.
 * `ws` enforces MAX_MESSAGE_BYTES (closing with 1009) before a frame is
 * buffered whole, so an oversized message never reaches a document.
 */
export class SyncSocket {
  private readonly wss: WebSocketServer;
  private readonly liveness: Liveness;

  constructor(private readonly options: SyncSocketOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageBytes,
      perMessageDeflate: false,
    });
    this.liveness = new Liveness(options.pingIntervalMs ?? 0, () => this.wss.clients, options.log);
  }

  get clientCount(): number {
    return this.wss.clients.size;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, dialect: Dialect): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => this.attach(ws, request, dialect));
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
    this.liveness.close();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private attach(ws: WebSocket, request: IncomingMessage, dialect: Dialect): void {
    const { hocuspocus, log, intercept } = this.options;
    this.liveness.watch(ws);
    const socket = dialect.socketFor(ws);
    const client = hocuspocus.handleConnection(socket, toFetchRequest(request), {});
    const forward = (frame: Uint8Array) => client.handleMessage(frame);
    for (const frame of dialect.opening()) client.handleMessage(frame);
    const { handshakeTimeoutMs = 0, hasEstablished } = this.options;
    const handshake =
      handshakeTimeoutMs > 0 && hasEstablished
        ? setTimeout(() => {
            if (hasEstablished(socket)) return;
            log.info(
              { component: "sync-socket" },
              "closed a socket that opened no document in time",
            );
            ws.close(refusalRule(Refusal.HandshakeTimeout).close, Refusal.HandshakeTimeout);
          }, handshakeTimeoutMs)
        : undefined;
    handshake?.unref();
    ws.on("message", (data: RawData, isBinary: boolean) => {
      if (!isBinary) {
        log.warn({ component: "sync-socket" }, "closed a socket that sent a text frame");
        ws.close(CloseCode.UnsupportedData, Refusal.MalformedMessage);
        return;
      }
      let frame: Uint8Array;
      try {
        frame = dialect.incoming(toUint8Array(data));
      } catch (error) {
        log.warn(
          { component: "sync-socket", err: String(error) },
          "closed a socket that sent an unreadable frame",
        );
        ws.close(CloseCode.UnsupportedData, Refusal.MalformedMessage);
        return;
      }
      if (intercept?.(socket, frame, forward)) return;
      client.handleMessage(frame);
    });
    ws.on("close", (code: number, reason: Buffer) => {
      clearTimeout(handshake);
      client.handleClose({ code, reason: reason.toString() });
    });
    ws.on("error", (error: Error & { code?: string }) => {
      // ws has already started closing the socket (1009 for an oversized frame, 1002 for a bad one).
      log.warn(
        { component: "sync-socket", err: error.message, code: error.code },
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
