import * as awarenessProtocol from "y-protocols/awareness";
import { sleep } from "./backoff";
import type { FetchLike } from "./sync-url";

export interface AwarenessSenderOptions {
  awareness: awarenessProtocol.Awareness;
  fetch: FetchLike;
  /** The `awareness` URL. */
  url: () => string;
  /** Minimum time between presence posts; the latest state is always the one sent. */
  throttleMs: number;
  /** Wait after a failed post before it is tried again (unless a newer change comes first). */
  retryMs: number;
  /** Origin of the presence updates the transport applies from the server; not ours to send. */
  remoteOrigin: unknown;
}

/**
 * Posts the local presence whenever it changes, at most once per `throttleMs`
 * and always the latest state, and tells the server when the client leaves.
 * Presence is best effort: a failed post is simply sent again later.
 */
export class AwarenessSender {
  private readonly awareness: awarenessProtocol.Awareness;
  /** Set while posting is allowed: the run's signal, once the server's state arrived in it. */
  private signal: AbortSignal | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The local state changed since the last post. */
  private dirty = false;
  private sending = false;
  private lastSent = 0;

  constructor(private readonly options: AwarenessSenderOptions) {
    this.awareness = options.awareness;
  }

  /** Starts watching the local presence; nothing is posted before open(). */
  attach(): void {
    this.awareness.on("update", this.onUpdate);
  }

  /** The server's state arrived in this run: posts the local presence now and on every change. */
  open(signal: AbortSignal): void {
    this.signal = signal;
    if (this.awareness.getLocalState()) {
      this.dirty = true;
      this.schedule();
    }
  }

  /**
   * Stops watching and posting. If presence may have been posted in this run,
   * posts the leave message (the same clock with a null state), so the server
   * drops the presence now rather than when it times out 30 s later.
   */
  detach(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.awareness.off("update", this.onUpdate);
    const opened = this.signal !== null;
    this.signal = null;
    if (opened && this.awareness.getLocalState() !== null) {
      const leave = awarenessProtocol.encodeAwarenessUpdate(
        this.awareness,
        [this.awareness.clientID],
        new Map(),
      );
      // keepalive: the page may be closing.
      void this.options
        .fetch(this.options.url(), {
          method: "POST",
          headers: { "content-type": "application/octet-stream" },
          body: new Uint8Array(leave),
          keepalive: true,
        })
        .catch(() => undefined);
    }
  }

  private readonly onUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ) => {
    if (origin === this.options.remoteOrigin) return;
    const own = this.awareness.clientID;
    if (added.includes(own) || updated.includes(own) || removed.includes(own)) {
      this.dirty = true;
      this.schedule();
    }
  };

  private schedule(): void {
    if (!this.signal || this.timer || this.sending) return;
    const wait = Math.max(0, this.lastSent + this.options.throttleMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.send();
    }, wait);
  }

  private async send(): Promise<void> {
    const signal = this.signal;
    if (!signal || !this.dirty) return;
    this.dirty = false;
    this.sending = true;
    let ok = false;
    try {
      const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, [
        this.awareness.clientID,
      ]);
      const response = await this.options.fetch(this.options.url(), {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: new Uint8Array(update),
        signal,
      });
      ok = response.ok;
      await response.body?.cancel();
    } catch {
      // Presence is best effort; the next change or the 15 s renewal sends it again.
    } finally {
      this.sending = false;
      this.lastSent = Date.now();
    }
    if (!ok) {
      this.dirty = true;
      if (!signal.aborted) await sleep(this.options.retryMs, signal);
    }
    if (this.dirty) this.schedule();
  }
}
