import type { IncomingMessage } from "node:http";

/**
 * Open sync sockets per client address, refused past MAX_CONNECTIONS_PER_IP
 * (0: no limit) so one client cannot exhaust the server's sockets. Behind a
 * reverse proxy every client has the proxy's address: with TRUST_PROXY the
 * address is the last entry of X-Forwarded-For, the one the proxy added.
 */
export class ConnectionLimits {
  private readonly perAddress = new Map<string, number>();

  constructor(
    private readonly maxPerAddress: number,
    private readonly trustProxy: boolean,
  ) {}

  addressOf(req: IncomingMessage): string {
    if (this.trustProxy) {
      const forwarded = req.headers["x-forwarded-for"];
      const header = Array.isArray(forwarded) ? forwarded.at(-1) : forwarded;
      const last = header?.split(",").at(-1)?.trim();
      if (last) return last;
    }
    return req.socket.remoteAddress ?? "unknown";
  }

  /** Counts a new socket from `address`, or returns false when it is over the limit. */
  admit(address: string): boolean {
    const open = this.perAddress.get(address) ?? 0;
    if (this.maxPerAddress > 0 && open >= this.maxPerAddress) return false;
    this.perAddress.set(address, open + 1);
    return true;
  }

  release(address: string): void {
    const open = (this.perAddress.get(address) ?? 1) - 1;
    if (open <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, open);
  }
}
