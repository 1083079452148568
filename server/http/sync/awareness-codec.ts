import * as decoding from "lib0/decoding";

export interface AwarenessEntry {
  clientId: number;
  /** False for an entry that removes the client (its state is null). */
  present: boolean;
}

/**
 * Reads a y-protocols awareness update (a count, then client id, clock and
 * JSON state each) and throws for anything else, trailing bytes included.
 */
export function decodeAwarenessUpdate(update: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    decoding.readVarUint(decoder);
    const state: unknown = JSON.parse(decoding.readVarString(decoder));
    entries.push({ clientId, present: state !== null });
  }
  if (decoding.hasContent(decoder)) throw new Error("trailing bytes");
  return entries;
}
