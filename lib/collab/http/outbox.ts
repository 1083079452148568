import * as Y from "yjs";
import { acknowledgedSchema } from "../../protocol/http-sync";
import { Backoff } from "./backoff";
import { failureOf, isFinal, type Refused, type Rejected } from "./failures";
import type { FetchLike } from "./sync-url";

export interface OutboxOptions {
  doc: Y.Doc;
  fetch: FetchLike;
  /** The `updates` URL. */
  url: () => string;
  /** Queued updates are merged into one POST up to about this size. */
  maxBatchBytes: number;
  retryMinMs: number;
  retryMaxMs: number;
  /** `unsyncedChanges` may have changed. */
  onChange: () => void;
  /** The server refused one update for good (invalid, too large); it stays in the local document only. */
  onDropped: (failure: Refused | Rejected) => void;
  /** The server refused the document: the caller stops the transport (aborting the signal). */
  onRefused: (failure: Refused | Rejected) => void;
}

interface Queued {
  update: Uint8Array;
  /** Local changes merged into this entry, for `unsyncedChanges`. */
  changes: number;
}

type Outcome = "acknowledged" | "dropped" | "aborted";

/** Statuses that refuse one POST's body rather than the document: invalid, too large, wrong type. */
const REFUSES_ONLY_THE_UPDATE = new Set([400, 413, 415]);

/**
 * The local updates not yet acknowledged as durable, in order. Posts them one
 * batch at a time (whatever was typed while the last POST was in flight,
 * merged), each retried until the server acknowledges it, which it does only
 * once the update is durable: the promise HocuspocusProvider's
 * `unsyncedChanges` makes.
 */
export class Outbox {
  private queue: Queued[] = [];
  private inFlight = 0;
  private pumping = false;
  /** Set while posting is allowed: the run's signal, once the server's state arrived in it. */
  private signal: AbortSignal | null = null;

  constructor(private readonly options: OutboxOptions) {}

  /** Local changes not yet acknowledged as durable by the server. */
  get unsyncedChanges(): number {
    return this.inFlight + this.queue.reduce((sum, entry) => sum + entry.changes, 0);
  }

  /** Queues a local update; it is posted once the outbox is open. */
  push(update: Uint8Array): void {
    this.queue.push({ update, changes: 1 });
    this.options.onChange();
    void this.pump();
  }

  /**
   * The server's state vector is exactly what it has, so the diff against it
   * is everything it lacks: edits made offline before the transport started,
   * and edits whose POST was cut off by a reconnect. It replaces the queue,
   * whose entries it contains.
   */
  replaceByServerDiff(serverStateVector: Uint8Array): void {
    const diff = Y.encodeStateAsUpdate(this.options.doc, serverStateVector);
    if (!hasChanges(diff)) return;
    const changes = this.queue.reduce((sum, entry) => sum + entry.changes, 0);
    this.queue = [{ update: diff, changes: Math.max(changes, 1) }];
  }

  /** Starts posting, until `signal` aborts or close() (the server's state arrived in this run). */
  open(signal: AbortSignal): void {
    this.signal = signal;
    void this.pump();
  }

  /** Stops posting; what is queued stays and is posted after the next open(). */
  close(): void {
    this.signal = null;
  }

  /** Posts queued updates one batch at a time, in order, each retried until acknowledged. */
  private async pump(): Promise<void> {
    const signal = this.signal;
    if (this.pumping || !signal) return;
    this.pumping = true;
    try {
      while (!signal.aborted && this.queue.length > 0) {
        const batch = this.takeBatch();
        this.inFlight = batch.changes;
        const outcome = await this.post(batch.update, signal);
        this.inFlight = 0;
        if (outcome === "aborted") {
          this.queue.unshift(batch);
          break;
        }
        this.options.onChange();
      }
    } finally {
      this.pumping = false;
      // A close() and open() while this run's POST was settling: the new run's pump() found
      // this one still busy, so continue on its behalf.
      if (this.signal && this.signal !== signal) void this.pump();
    }
  }

  /** Merges queued updates (everything typed while the last POST was in flight) into one. */
  private takeBatch(): Queued {
    const taken: Queued[] = [];
    let bytes = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0] as Queued;
      if (taken.length > 0 && bytes + next.update.length > this.options.maxBatchBytes) break;
      taken.push(next);
      this.queue.shift();
      bytes += next.update.length;
    }
    const update =
      taken.length === 1
        ? (taken[0] as Queued).update
        : Y.mergeUpdates(taken.map((entry) => entry.update));
    return { update, changes: taken.reduce((sum, entry) => sum + entry.changes, 0) };
  }

  private async post(update: Uint8Array, signal: AbortSignal): Promise<Outcome> {
    const backoff = new Backoff(this.options.retryMinMs, this.options.retryMaxMs);
    while (!signal.aborted) {
      try {
        const response = await this.options.fetch(this.options.url(), {
          method: "POST",
          headers: { "content-type": "application/octet-stream" },
          body: new Uint8Array(update),
          signal,
        });
        // Only the server's own acknowledgement means durable: a proxy or captive portal
        // answering 200 with a page of its own has stored nothing, so the batch is retried.
        if (response.ok && (await isAcknowledgement(response))) return "acknowledged";
        if (response.ok) throw new Error("a 2xx answer that is not an acknowledgement");
        const failure = await failureOf(response);
        if (isFinal(failure)) {
          // An invalid or oversized update is refused for good, but only that update:
          // it stays in the local document. Anything else refuses the document.
          if (REFUSES_ONLY_THE_UPDATE.has(response.status)) {
            this.options.onDropped(failure);
            return "dropped";
          }
          this.options.onRefused(failure);
          return "aborted";
        }
      } catch {
        // Network failure: retried below; nothing is lost or reordered since this batch
        // stays at the head of the line.
      }
      await backoff.wait(signal);
    }
    return "aborted";
  }
}

/** Whether an update carries anything: structs, or deletions (which a diff always repeats). */
function hasChanges(update: Uint8Array): boolean {
  const { structs, ds } = Y.decodeUpdate(update);
  return structs.length > 0 || ds.clients.size > 0;
}

/** Whether a 2xx answer is the server's `{ ok: true }` (lib/protocol/http-sync.ts). */
async function isAcknowledgement(response: Response): Promise<boolean> {
  try {
    return acknowledgedSchema.safeParse(await response.json()).success;
  } catch {
    return false;
  }
}
