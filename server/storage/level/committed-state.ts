import type { Activity } from "./records";

/** What the last commit left of a document: its tombstone and its activity record. */
export interface CommittedDoc {
  deleted: boolean;
  activity: Activity | null;
}

/**
 * The tombstone and activity record of recently committed documents, as the
 * database holds them, so a commit of appends needs no read before its batch.
 *
 * It lives in the SharedDatabase, the one object every writer of a database
 * commits through, one commit at a time, and is updated by each commit that
 * writes those records (and dropped for the documents of a commit that
 * failed): no writer can commit something it does not know. Nothing else
 * writes them, and LevelDB's lock keeps any other process out of the
 * directory. Reads (`get`, `list`, `stats`, `isDeleted`) still go to the
 * database. A backend shared across processes (PostgreSQL) decides inside
 * its own transactions instead.
 */
export class CommittedState {
  private readonly docs = new Map<string, CommittedDoc>();

  constructor(private readonly limit = 10_000) {}

  get(id: string): CommittedDoc | undefined {
    const known = this.docs.get(id);
    if (known) {
      // Most recently used last, so the oldest entry is the first to go.
      this.docs.delete(id);
      this.docs.set(id, known);
    }
    return known;
  }

  set(id: string, state: CommittedDoc): void {
    this.docs.delete(id);
    this.docs.set(id, {
      deleted: state.deleted,
      activity: state.activity && { ...state.activity },
    });
    if (this.docs.size > this.limit) {
      const oldest = this.docs.keys().next().value;
      if (oldest !== undefined) this.docs.delete(oldest);
    }
  }

  forget(id: string): void {
    this.docs.delete(id);
  }
}
