/**
 * The one title rule, for the browser, the HTTP API and the server alike:
 * surrounding whitespace is dropped, an empty title reads "Untitled", and a
 * title holds at most MAX_TITLE_LENGTH characters.
 */
export const DEFAULT_TITLE = "Untitled";
export const MAX_TITLE_LENGTH = 200;

/** The title to store and show for `raw` (never empty, never over the limit). */
export function normalizeTitle(raw: string): string {
  const trimmed = raw.trim();
  if (trimmed.length === 0) return DEFAULT_TITLE;
  return trimmed.length > MAX_TITLE_LENGTH ? trimmed.slice(0, MAX_TITLE_LENGTH).trimEnd() : trimmed;
}

/** Why `raw` cannot be a title as given (for boundaries that refuse rather than trim), or null. */
export function titleProblem(raw: string): string | null {
  return raw.trim().length > MAX_TITLE_LENGTH
    ? `title must be at most ${MAX_TITLE_LENGTH} characters`
    : null;
}
