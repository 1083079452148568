/**
 * Document ids are the Hocuspocus document name, the `/d/<id>` URL segment and
 * the storage key, so one pattern guards all three. It excludes `!` and `/`,
 * which the storage key layout and the URL router use as separators.
 */
export const DOC_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export const DOC_ID_RULE =
  "1-128 characters: letters, digits, '-' or '_', starting with a letter or digit";

export function isValidDocId(value: string): boolean {
  return DOC_ID_PATTERN.test(value);
}

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/** A fresh random id: 12 characters of [a-z0-9], about 62 bits. */
export function newDocId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  let id = "";
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}
