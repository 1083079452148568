/** Somewhere between half of `ms` and `ms`, so clients that failed together do not retry together. */
export function jitter(ms: number): number {
  return ms / 2 + Math.random() * (ms / 2);
}

/** Resolves after `ms`, or as soon as `signal` aborts (never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Exponential backoff with jitter: each wait doubles the next one, up to `maxMs`. */
export class Backoff {
  private delay: number;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {
    this.delay = minMs;
  }

  /** Something worked: the next wait is the shortest again. */
  reset(): void {
    this.delay = this.minMs;
  }

  /** Waits the current delay (jittered), cut short when `signal` aborts, and doubles it. */
  async wait(signal: AbortSignal): Promise<void> {
    await sleep(jitter(this.delay), signal);
    this.delay = Math.min(this.delay * 2, this.maxMs);
  }
}
