/**
 * Microseconds on CLOCK_MONOTONIC. Every process on the machine reads the same
 * clock, so a send time taken in one client process and an arrival time taken
 * in another can be subtracted.
 */
export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
