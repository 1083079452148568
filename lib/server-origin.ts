/**
 * Where server components reach this process's own API. `tandem serve` sets
 * TANDEM_INTERNAL_ORIGIN once it knows its port; only server code calls this.
 */
export function serverOrigin(): string {
  return process.env.TANDEM_INTERNAL_ORIGIN ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
}
