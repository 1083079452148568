import * as decoding from "lib0/decoding";

const AUTH_MESSAGE = 2;
const PERMISSION_DENIED = 1;

/**
 * Refusals that are about the server's state, not the client's rights. Hocuspocus
 * answers every failure while opening a document with a permission-denied frame,
 * which providers treat as final; for these reasons the socket is closed
 * instead, so providers reconnect with backoff and their unsent edits survive.
 */
export const RETRYABLE_REFUSALS = new Set(["document-load-failed", "shutting-down"]);

/**
 * The reason of a permission-denied frame, or null for any other frame. Checks
 * two bytes after the address first, so the common case costs O(1).
 */
export function permissionDeniedReason(frame: Uint8Array): string | null {
  // Every frame a server sends passes here: addresses under 128 bytes need no decoder.
  const first = frame[0];
  if (first !== undefined && first < 128) {
    const typeAt = 1 + first;
    if (frame[typeAt] !== AUTH_MESSAGE || frame[typeAt + 1] !== PERMISSION_DENIED) return null;
  }
  const decoder = decoding.createDecoder(frame);
  try {
    const addressLength = decoding.readVarUint(decoder);
    const typeAt = decoder.pos + addressLength;
    if (frame[typeAt] !== AUTH_MESSAGE || frame[typeAt + 1] !== PERMISSION_DENIED) return null;
    decoder.pos = typeAt + 2;
    return decoding.readVarString(decoder);
  } catch {
    return null;
  }
}
