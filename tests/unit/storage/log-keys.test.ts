import { describe, expect, it } from "vitest";
import { LogKeyClock } from "@/server/storage/level/keys";

const oldKey = (seq: number) => `d!doc!l!${seq.toString(16).padStart(16, "0")}`;

describe("log entry keys", () => {
  it("sort after every old-format key", () => {
    const clock = new LogKeyClock(1);
    clock.tick(Date.now());
    const key = clock.next("doc");
    for (const seq of [0, 1, 255, 2 ** 32, 2 ** 40, Number.MAX_SAFE_INTEGER >> 4]) {
      expect(oldKey(seq) < key).toBe(true);
    }
    expect(key).toMatch(/^d!doc!l![0-9a-f]{12}000000!00000001$/);
  });

  it("keep one writer's entries in order when the clock steps back or a millisecond fills up", () => {
    const clock = new LogKeyClock(7);
    const keys: string[] = [];
    clock.tick(5_000);
    for (let i = 0; i < 3; i++) keys.push(clock.next("doc"));
    clock.tick(4_000);
    keys.push(clock.next("doc"));
    clock.tick(5_000);
    keys.push(clock.next("doc"));
    // Skip ahead to the last counter values of this millisecond.
    (clock as unknown as { counter: number }).counter = 16 ** 6 - 2;
    for (let i = 0; i < 4; i++) keys.push(clock.next("doc"));
    clock.tick(5_001);
    keys.push(clock.next("doc"));
    expect([...keys].sort()).toEqual(keys);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("differ between writers in the same millisecond", () => {
    const a = new LogKeyClock();
    const b = new LogKeyClock();
    a.tick(1_000);
    b.tick(1_000);
    expect(a.writerId).not.toBe(b.writerId);
    expect(a.next("doc")).not.toBe(b.next("doc"));
  });
});
