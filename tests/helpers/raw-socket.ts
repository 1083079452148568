import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { WebSocket } from "ws";
import { AuthMessage, MessageType } from "@/lib/protocol/message-types";

export interface RawFrame {
  documentName: string;
  type: number;
  rest: Uint8Array;
}

/** A bare WebSocket speaking the Hocuspocus framing by hand, to send what no provider would. */
export class RawSocket {
  readonly frames: RawFrame[] = [];
  closed: { code: number; reason: string } | null = null;
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data: Buffer) => {
      const decoder = decoding.createDecoder(new Uint8Array(data));
      const documentName = decoding.readVarString(decoder);
      const type = decoding.readVarUint(decoder);
      this.frames.push({ documentName, type, rest: decoding.readTailAsUint8Array(decoder) });
    });
    ws.on("close", (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString() };
    });
    ws.on("error", () => {});
  }

  static async open(url: string): Promise<RawSocket> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return new RawSocket(ws);
  }

  send(bytes: Uint8Array): void {
    this.ws.send(bytes);
  }

  /** Sends the Auth frame a provider sends first. */
  authenticate(documentName: string): void {
    this.send(
      frame(documentName, MessageType.Auth, (encoder) => {
        encoding.writeVarUint(encoder, AuthMessage.Token);
        encoding.writeVarString(encoder, "");
      }),
    );
  }

  close(): void {
    this.ws.close();
  }
}

export function frame(
  documentName: string,
  type: number,
  body: (encoder: encoding.Encoder) => void,
): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, documentName);
  encoding.writeVarUint(encoder, type);
  body(encoder);
  return encoding.toUint8Array(encoder);
}

/** Reads the reason from a Close or permission-denied Auth frame. */
export function frameReason(raw: RawFrame): string {
  const decoder = decoding.createDecoder(raw.rest);
  if (raw.type === MessageType.Auth) decoding.readVarUint(decoder);
  return decoding.readVarString(decoder);
}
