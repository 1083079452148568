import * as Y from "yjs";

/**
 * Replays stored updates into `doc` in one transaction (one update event for
 * observers, not one per entry). An entry Yjs cannot read is skipped and
 * reported through `onUnreadable`, so one damaged entry never hides the rest
 * of a document; without `onUnreadable` it throws instead.
 *
 * @returns how many entries were skipped.
 */
export function replayUpdates(
  doc: Y.Doc,
  updates: Iterable<Uint8Array>,
  origin: unknown,
  onUnreadable?: (error: unknown, index: number) => void,
): number {
  let skipped = 0;
  Y.transact(
    doc,
    () => {
      let index = 0;
      for (const update of updates) {
        try {
          Y.applyUpdate(doc, update, origin);
        } catch (error) {
          if (!onUnreadable) throw error;
          skipped += 1;
          onUnreadable(error, index);
        }
        index += 1;
      }
    },
    origin,
  );
  return skipped;
}
