/**
 * What the receiving channels (event stream, long-poll) share: where they
 * deliver what the server sends, and how an attempt ended, for the reconnect
 * loop to judge.
 */

/** Receives the server's changes, decoded from base64. */
export interface ChannelSink {
  /** A Yjs update from the server (the first one is the diff against our state vector). */
  update(update: Uint8Array): void;
  /** A y-protocols awareness update: other people's presence. */
  awareness(update: Uint8Array): void;
  /** The server's state vector: everything the server had is applied, once per attempt. */
  synced(stateVector: Uint8Array): void;
}

/** How one attempt at a channel ended. Attempts never throw; a failure is in `error`. */
export interface ChannelEnd {
  /** The server's state arrived (`synced` was called). */
  delivered: boolean;
  /** Ended by the silence watchdog: a proxy buffers or holds back the stream. */
  stalled: boolean;
  /**
   * Why it ended: a Refused or Rejected (final), a Retryable, a network or
   * abort error; undefined when the server closed the stream cleanly.
   */
  error?: unknown;
}
