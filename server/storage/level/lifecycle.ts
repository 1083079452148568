import { StoreError } from "../store-error";
import { readError } from "./database";

/**
 * Open or closed, shared by a storage's log and catalog. Reads and
 * compactions are tracked so close can wait for them; writes are waited for
 * through the group-commit writer.
 */
export class Lifecycle {
  private closedFlag = false;
  private readonly running = new Set<Promise<unknown>>();

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Runs `work` unless closed, and lets `close` wait for it. Level errors come out as StoreErrors where known. */
  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.closedFlag) return Promise.reject(closedError());
    const running = work().catch((error: unknown) => {
      throw readError(error);
    });
    this.running.add(running);
    const forget = () => this.running.delete(running);
    running.then(forget, forget);
    return running;
  }

  /** Marks closed, then waits until no tracked work is left (work may start more). */
  async close(): Promise<void> {
    this.closedFlag = true;
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}

export function closedError(): StoreError {
  return new StoreError("closed", "storage is closed");
}
