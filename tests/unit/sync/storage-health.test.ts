import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "@/server/log";
import { StorageHealth } from "@/server/sync/storage-health";

describe("StorageHealth", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function health(outcomes: boolean[]) {
    const checks: number[] = [];
    const check = async () => {
      checks.push(Date.now());
      if (!(outcomes.shift() ?? true)) throw new Error("ENOSPC: no space left on device");
    };
    const monitor = new StorageHealth({
      check,
      log: createLogger("silent"),
      minRetryMs: 100,
      maxRetryMs: 800,
    });
    return { monitor, checks };
  }

  it("refuses writes from the first failure until a check passes, checking with backoff", async () => {
    const { monitor, checks } = health([false, false, false, true]);
    expect(monitor.writable).toBe(true);
    const start = Date.now();
    monitor.reportFailure(new Error("ENOSPC"));
    expect(monitor.writable).toBe(false);
    expect(monitor.describe()).toMatchObject({ writable: false, error: "ENOSPC" });
    await vi.advanceTimersByTimeAsync(100 + 200 + 400 + 800);
    expect(checks.map((at) => at - start)).toEqual([100, 300, 700, 1500]);
    expect(monitor.writable).toBe(true);
    expect(monitor.describe()).toEqual({ writable: true });
    monitor.close();
  });

  it("keeps backing off when the store fails again right after a passed check", async () => {
    const { monitor, checks } = health([false, true, true]);
    monitor.reportFailure(new Error("ENOSPC"));
    await vi.advanceTimersByTimeAsync(300);
    expect(monitor.writable).toBe(true);
    const again = Date.now();
    monitor.reportFailure(new Error("ENOSPC"));
    await vi.advanceTimersByTimeAsync(1000);
    // Resumed from the last pause (200 ms) doubled, not from 100 ms.
    expect(checks.at(-1)! - again).toBe(400);
    expect(monitor.writable).toBe(true);
    monitor.close();
  });

  it("stops checking once closed", async () => {
    const { monitor, checks } = health([false, false]);
    monitor.reportFailure(new Error("EIO"));
    monitor.close();
    await vi.advanceTimersByTimeAsync(5000);
    expect(checks).toEqual([]);
  });
});
