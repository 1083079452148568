import type { Logger } from "../log";
import { errorMessage } from "../log";

/** A failure this soon after a passed check counts as the same outage. */
const FLAPPING_WINDOW_MS = 10_000;

export interface StorageHealthOptions {
  /** A small durable write that proves the store works (Storage.check). */
  check(): Promise<void>;
  log: Logger;
  /** First and longest pause between checks while the store fails. */
  minRetryMs?: number;
  maxRetryMs?: number;
}

/**
 * Whether storage can make writes durable right now. A failed write (disk
 * full, I/O error) turns it to failing: writes are refused at once with a
 * clear reason instead of piling up, `/readyz` says so, and the store is
 * checked with backoff until a check succeeds, when writes resume by
 * themselves. Nothing is acknowledged while failing.
 */
export class StorageHealth {
  private failing = false;
  private lastError = "";
  private since = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** When the last check succeeded, and the pause before it: a failure soon after resumes that backoff. */
  private recoveredAt = Number.NEGATIVE_INFINITY;
  private lastDelay = 0;

  constructor(private readonly options: StorageHealthOptions) {}

  get writable(): boolean {
    return !this.failing;
  }

  /** What /readyz shows while failing. */
  describe(): { writable: boolean; error?: string; sinceMs?: number } {
    return this.failing
      ? { writable: false, error: this.lastError, sinceMs: Date.now() - this.since }
      : { writable: true };
  }

  /** A write failed for a reason of the store's own (not a refusal such as a deleted document). */
  reportFailure(error: unknown): void {
    this.lastError = errorMessage(error);
    if (this.failing || this.closed) return;
    this.failing = true;
    this.since = Date.now();
    this.options.log.error(
      { component: "storage-health", err: this.lastError },
      "storage cannot write; refusing writes until a check succeeds",
    );
    // A store that fails again right after a check passed (a tiny check write fits where real
    // writes do not) keeps backing off instead of being checked every 100 ms again.
    const min = this.options.minRetryMs ?? 100;
    const flapping = this.since - this.recoveredAt < FLAPPING_WINDOW_MS;
    this.schedule(flapping ? this.nextDelay(this.lastDelay) : min);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private nextDelay(delay: number): number {
    return Math.min(
      Math.max(delay * 2, this.options.minRetryMs ?? 100),
      this.options.maxRetryMs ?? 2000,
    );
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => void this.probe(delay), delay);
    this.timer.unref();
  }

  private async probe(delay: number): Promise<void> {
    if (this.closed) return;
    try {
      await this.options.check();
    } catch (error) {
      this.lastError = errorMessage(error);
      this.options.log.debug(
        { component: "storage-health", err: this.lastError },
        "storage check failed",
      );
      this.schedule(this.nextDelay(delay));
      return;
    }
    this.failing = false;
    this.recoveredAt = Date.now();
    this.lastDelay = delay;
    this.options.log.info(
      { component: "storage-health", failedForMs: Date.now() - this.since },
      "storage writes again",
    );
  }
}
