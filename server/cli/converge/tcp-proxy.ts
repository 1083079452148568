import net from "node:net";

/**
 * A TCP proxy in front of the server for one client, so faults hit the wire
 * as a real network would: added latency (order kept), stalls, dropped
 * connections, and refusing connections altogether.
 */
export class FaultyProxy {
  bytesUp = 0;
  bytesDown = 0;
  latencyMs = 0;
  private stalledUntil = 0;
  private blocked = false;
  private readonly server: net.Server;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();

  private constructor(
    private readonly target: { host: string; port: number },
    server: net.Server,
  ) {
    this.server = server;
  }

  static async start(target: { host: string; port: number }): Promise<FaultyProxy> {
    const server = net.createServer();
    const proxy = new FaultyProxy(target, server);
    server.on("connection", (client) => proxy.accept(client));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Retargets the proxy (a restarted server may listen on the same or another port). */
  setTarget(target: { host: string; port: number }): void {
    this.target.host = target.host;
    this.target.port = target.port;
  }

  /** Cuts every open connection, as a network failure would (no close handshake). */
  dropAll(): number {
    const count = this.pairs.size;
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
    return count;
  }

  /** While blocked, new connections are refused at once. */
  setBlocked(blocked: boolean): void {
    this.blocked = blocked;
  }

  /** Holds all traffic for `ms`, then delivers it in order. */
  stall(ms: number): void {
    this.stalledUntil = Math.max(this.stalledUntil, Date.now() + ms);
  }

  heal(): void {
    this.latencyMs = 0;
    this.stalledUntil = 0;
    this.blocked = false;
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.blocked) {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.target.port, this.target.host);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    this.pairs.add(pair);
    const close = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
    this.pipe(client, upstream, (n) => {
      this.bytesUp += n;
    });
    this.pipe(upstream, client, (n) => {
      this.bytesDown += n;
    });
  }

  /** Forwards chunks in order, each no earlier than its arrival plus latency and after any stall. */
  private pipe(from: net.Socket, to: net.Socket, count: (bytes: number) => void): void {
    let releaseAt = 0;
    let chain = Promise.resolve();
    from.on("data", (chunk: Buffer) => {
      count(chunk.length);
      const due = Math.max(Date.now() + this.latencyMs, releaseAt, this.stalledUntil);
      releaseAt = due;
      chain = chain.then(async () => {
        const wait = Math.max(due, this.stalledUntil) - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (!to.destroyed) to.write(chunk);
      });
    });
  }
}
