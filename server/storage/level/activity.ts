import { activityFromCount, countData } from "./data";
import type { LevelDatabase } from "./database";
import type { GroupCommitWriter } from "./group-commit";
import { type Activity, parseActivity } from "./records";

/**
 * A document's activity from its stored record; where there is none (data
 * written before activity records existed, or an unreadable record) it is
 * counted from the data and recorded by the next commit, so only once.
 */
export async function readActivity(
  db: LevelDatabase,
  writer: GroupCommitWriter,
  id: string,
  stored: Uint8Array | undefined,
  catalogued: boolean,
): Promise<Activity> {
  const activity = parseActivity(stored);
  if (activity) return activity;
  const count = await countData(db, id);
  if (count.keys.length > 0 || catalogued) {
    // Only saves the next reader a count; a failure here surfaces on the next write.
    writer.backfill(id).catch(() => undefined);
  }
  return activityFromCount(count);
}
