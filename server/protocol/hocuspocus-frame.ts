import * as decoding from "lib0/decoding";

/** Hocuspocus message types a client may send (see @hocuspocus/server `MessageType`). */
export const ClientMessageType = {
  Sync: 0,
  Awareness: 1,
  Auth: 2,
  QueryAwareness: 3,
  SyncReply: 4,
  Stateless: 5,
  Close: 7,
} as const;

const CLIENT_TYPES = new Set<number>(Object.values(ClientMessageType));

/** y-protocols sync sub-types. */
export const SyncStep = { Step1: 0, Step2: 1, Update: 2 } as const;

export type FrameSummary =
  | { kind: "document-update"; documentName: string; update: Uint8Array }
  | { kind: "other"; documentName: string; type: number };

export type ProtocolErrorCode = "malformed-message" | "unknown-message-type" | "invalid-update";

/**
 * A client sent bytes Tandem will not apply. `code`/`reason` follow the shape
 * Hocuspocus reads when a hook throws, so the connection closes with them.
 */
export class ProtocolError extends Error {
  readonly code = 4400;
  constructor(
    readonly reason: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ProtocolError";
  }
}

/**
 * Reads just enough of a client frame to find the document change it carries,
 * so the change can be made durable before Hocuspocus applies it. Throws
 * ProtocolError for truncated frames and types Hocuspocus would ignore.
 */
export function inspectClientFrame(frame: Uint8Array): FrameSummary {
  try {
    const decoder = decoding.createDecoder(frame);
    const documentName = decoding.readVarString(decoder);
    const type = decoding.readVarUint(decoder);
    if (!CLIENT_TYPES.has(type)) {
      throw new ProtocolError("unknown-message-type", `unknown message type ${type}`);
    }
    if (type !== ClientMessageType.Sync && type !== ClientMessageType.SyncReply) {
      return { kind: "other", documentName, type };
    }
    const step = decoding.readVarUint(decoder);
    if (step === SyncStep.Step1) {
      decoding.readVarUint8Array(decoder);
      return { kind: "other", documentName, type };
    }
    if (step !== SyncStep.Step2 && step !== SyncStep.Update) {
      throw new ProtocolError("unknown-message-type", `unknown sync step ${step}`);
    }
    const update = readExactVarUint8Array(decoder);
    return { kind: "document-update", documentName, update };
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    throw new ProtocolError("malformed-message", `cannot decode frame: ${errorMessage(error)}`);
  }
}

function readExactVarUint8Array(decoder: decoding.Decoder): Uint8Array {
  const length = decoding.readVarUint(decoder);
  if (decoder.pos + length > decoder.arr.length) {
    throw new ProtocolError(
      "malformed-message",
      `update claims ${length} bytes but ${decoder.arr.length - decoder.pos} remain`,
    );
  }
  return decoding.readUint8Array(decoder, length);
}

/** True for the two-byte update Yjs sends when it has nothing new (no structs, no deletes). */
export function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
