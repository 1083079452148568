/**
 * The key layout, one place. Ids never contain "!" (lib/doc-id.ts), so every
 * prefix below is unambiguous.
 *
 *   d!<id>!s                     the compacted snapshot
 *   d!<id>!l!<entry>             one log entry (see LogKeyClock for <entry>)
 *   m!<id>                       catalog record: JSON {title, createdAt, updatedAt}
 *   a!<id>                       activity record: JSON {updatedAt, snapshotBytes, logEntries, logBytes}
 *   t!<id>                       tombstone: JSON {deletedAt}
 *   h!check                      the last health check's time
 *
 * The snapshot key sorts after every log key of its document ("s" > "l"), so
 * one iterator over the data range reads a document at one consistent point.
 */
export const snapshotKey = (id: string): string => `d!${id}!s`;
export const catalogKey = (id: string): string => `m!${id}`;
export const activityKey = (id: string): string => `a!${id}`;
export const tombstoneKey = (id: string): string => `t!${id}`;
export const CHECK_KEY = "h!check";

/** Every data key of a document: its log entries and its snapshot. */
export const dataRange = (id: string): { gte: string; lt: string } => ({
  gte: `d!${id}!`,
  lt: `d!${id}!\xff`,
});

/** Every catalog record. */
export const CATALOG_RANGE = { gte: "m!", lt: "m!\xff" } as const;
export const idOfCatalogKey = (key: string): string => key.slice(2);

const TIME_DIGITS = 12;
const COUNTER_DIGITS = 6;
const COUNTER_LIMIT = 16 ** COUNTER_DIGITS;

/**
 * Names log entries so that writers never collide without sharing a counter:
 * `d!<id>!l!<12 hex ms><6 hex counter>!<8 hex writer>`.
 *
 * - Unique: the writer id is random per instance and the counter never repeats
 *   within one millisecond of one writer.
 * - One writer's entries stay in order: its clock never runs backwards (it
 *   holds the last time it used if the system clock steps back).
 * - Newer than the old format (`d!<id>!l!<16 hex sequence>`, zero-padded, so it
 *   starts with at least four zeros for any real sequence number) while the
 *   epoch milliseconds in 12 hex digits start with "01", so existing data
 *   directories keep their order: old entries first, then new ones roughly in
 *   arrival order (Yjs converges whatever the order; only readability gains).
 */
export class LogKeyClock {
  readonly writerId: string;
  private time = 0;
  private timeHex = "";
  private counter = 0;

  constructor(writerId: number = randomWriterId()) {
    this.writerId = (writerId >>> 0).toString(16).padStart(8, "0");
  }

  /** Moves the clock to now; call once per commit, then `next` for each entry. */
  tick(now: number = Date.now()): void {
    if (now > this.time) {
      this.time = now;
      this.timeHex = now.toString(16).padStart(TIME_DIGITS, "0");
      this.counter = 0;
    }
  }

  /** The next entry key for `id`, after every key this clock made before. */
  next(id: string): string {
    if (this.timeHex === "") this.tick();
    if (this.counter >= COUNTER_LIMIT) this.tick(this.time + 1);
    const counter = (this.counter++).toString(16).padStart(COUNTER_DIGITS, "0");
    return `d!${id}!l!${this.timeHex}${counter}!${this.writerId}`;
  }
}

function randomWriterId(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] ?? 0;
}
