import type { IncomingMessage } from "node:http";

/**
 * The browser origins allowed to open sockets and change things over HTTP
 * (ALLOWED_ORIGINS), or null for any. Requests without an Origin header come
 * from non-browser clients (the CLI, a backend, y-websocket in Node): a
 * browser always sends one on cross-origin requests and WebSocket upgrades,
 * so leaving them alone costs no protection.
 */
export class OriginPolicy {
  private readonly allowed: ReadonlySet<string> | null;

  constructor(origins: readonly string[] | undefined) {
    this.allowed = origins && origins.length > 0 ? new Set(origins) : null;
  }

  allows(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    return this.allowed === null || origin === undefined || this.allowed.has(origin);
  }
}

/** Methods that change something; reads stay open (without CORS a browser cannot read them cross-origin). */
export function changesState(method: string | undefined): boolean {
  return method !== "GET" && method !== "HEAD" && method !== "OPTIONS";
}
