import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { AuthMessage, CLIENT_MESSAGE_TYPES, MessageType, SyncStep } from "./message-types";
import { Refused } from "./refusals";

/** A client frame in Hocuspocus's format (document address first), as far as Tandem reads it. */
export interface ClientFrame {
  /** The document address (the document name, possibly with a session suffix). */
  address: string;
  type: number;
  /** The sync sub-type, for Sync and SyncReply messages; null otherwise. */
  step: number | null;
  /** The Yjs update carried by a sync step 2 or update; null for every other frame. */
  update: Uint8Array | null;
}

/**
 * The one reader for client frames: every part of the server that needs to
 * know what a frame carries asks this. Throws Refused for truncated
 * frames, unknown types or sync steps, and updates whose length does not match
 * the frame. The update is a view into `frame`, not a copy.
 */
export function readClientFrame(frame: Uint8Array): ClientFrame {
  try {
    const decoder = decoding.createDecoder(frame);
    const address = decoding.readVarString(decoder);
    const type = decoding.readVarUint(decoder);
    if (!CLIENT_MESSAGE_TYPES.has(type)) {
      throw new Refused("unknown-message-type", `unknown message type ${type}`);
    }
    if (type !== MessageType.Sync && type !== MessageType.SyncReply) {
      return { address, type, step: null, update: null };
    }
    const step = decoding.readVarUint(decoder);
    if (step === SyncStep.Step1) {
      decoding.readVarUint8Array(decoder);
      return { address, type, step, update: null };
    }
    if (step !== SyncStep.Step2 && step !== SyncStep.Update) {
      throw new Refused("unknown-message-type", `unknown sync step ${step}`);
    }
    const length = decoding.readVarUint(decoder);
    const remaining = frame.length - decoder.pos;
    if (length !== remaining) {
      throw new Refused(
        "malformed-message",
        `update claims ${length} bytes but ${remaining} follow`,
      );
    }
    return { address, type, step, update: frame.subarray(decoder.pos) };
  } catch (error) {
    if (error instanceof Refused) throw error;
    throw new Refused("malformed-message", `cannot decode frame: ${String(error)}`);
  }
}

/**
 * Where a server frame's type sits, after the address. Every frame a server
 * sends passes here: addresses under 128 bytes need no decoder.
 */
export function frameTypeOffset(frame: Uint8Array): number {
  const first = frame[0];
  if (first !== undefined && first < 128) return 1 + first;
  const decoder = decoding.createDecoder(frame);
  const length = decoding.readVarUint(decoder);
  return decoder.pos + length;
}

/** The reason of a permission-denied frame, or null for any other frame. O(1) for other frames. */
export function permissionDeniedReason(frame: Uint8Array): string | null {
  try {
    const typeAt = frameTypeOffset(frame);
    if (frame[typeAt] !== MessageType.Auth || frame[typeAt + 1] !== AuthMessage.PermissionDenied) {
      return null;
    }
    const decoder = decoding.createDecoder(frame);
    decoder.pos = typeAt + 2;
    return decoding.readVarString(decoder);
  } catch {
    return null;
  }
}

/** Address, Sync, Update: how every update frame to `address` starts. */
export function updateFramePrefix(address: string): Uint8Array {
  return encoding.encode((encoder) => {
    encoding.writeVarString(encoder, address);
    encoding.writeVarUint(encoder, MessageType.Sync);
    encoding.writeVarUint(encoder, SyncStep.Update);
  });
}

/** The Auth token frame a client sends first (y-websocket clients get one made for them). */
export function encodeAuthToken(address: string, token: string): Uint8Array {
  return encoding.encode((encoder) => {
    encoding.writeVarString(encoder, address);
    encoding.writeVarUint(encoder, MessageType.Auth);
    encoding.writeVarUint(encoder, AuthMessage.Token);
    encoding.writeVarString(encoder, token);
  });
}

/** True for the two-byte update Yjs sends when it has nothing new (no structs, no deletes). */
export function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0;
}
