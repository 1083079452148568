import { ResetConnection } from "@hocuspocus/common";
import {
  type Connection,
  type connectedPayload,
  type Extension,
  OutgoingMessage,
  type WebSocketLike,
} from "@hocuspocus/server";
import { readClientFrame, updateFramePrefix } from "../../lib/protocol/frames";
import { MessageType } from "../../lib/protocol/message-types";
import { errorMessage, type Logger } from "../log";
import type { Ingest } from "../sync/ingest";
import type { ClientOrigin } from "../sync/origins";
import { closeForRefusal } from "./refusal-close";

export interface UpdatePipelineOptions {
  /** Validates and appends each update durably, then applies batches of them. */
  ingest: Ingest;
  log: Logger;
}

interface Entry {
  frame: Uint8Array;
  /** The update carried, for frames the pipeline applies itself; null for everything else. */
  update: Uint8Array | null;
  /** Where Hocuspocus takes frames the pipeline does not apply itself. */
  forward: (frame: Uint8Array) => void;
  state: "pending" | "durable" | "failed";
  error?: unknown;
}

/** One connection (a socket's view of one document): its frames, in arrival order. */
interface Lane {
  connection: Connection;
  origin: ClientOrigin;
  /**
   * The acknowledgement (the same bytes every time) and how this connection's
   * update frames start (to recognise its own echo): encoded on its first
   * update, since most connections of an idle server never send one.
   */
  frames: { ack: Uint8Array; echoPrefix: Uint8Array } | null;
  /** Frames not yet handled: `queue[head]` onward (shift() is linear in V8 for long arrays). */
  queue: Entry[];
  head: number;
  /** A forwarded frame is with Hocuspocus; later frames wait until it is handled. */
  waiting: boolean;
  drainScheduled: boolean;
  closed: boolean;
  /**
   * An invalid update is queued: nothing after it is appended (it would be
   * durable but never applied, since the connection closes at the invalid one).
   */
  refused: boolean;
}

/**
 * The hot path for document updates from established connections.
 *
 * Hocuspocus handles a connection's frames one at a time, running three hook
 * chains (promises, URL parsing) per frame and broadcasting each update as its
 * own transaction, echo included. Here each update starts its durable append
 * the moment it arrives, so a burst shares one group commit; when a commit
 * lands, every update it made durable is applied in ONE transaction (one
 * broadcast frame for all of them, encoded by Yjs from the transaction, never
 * by merging updates) and acknowledged, all synchronously. Everything else
 * (sync step 1, awareness, stateless, read-only connections) still goes to
 * Hocuspocus, in arrival order: a forwarded frame holds back the frames after it.
 *
 * Updates go through the Ingest (validated, appended durably, applied with
 * the connection's origin); the durability rule is unchanged: nothing is
 * applied, broadcast or acknowledged before its append resolved. Hocuspocus's
 * per-message hooks (beforeHandleMessage, afterHandleMessage, beforeSync) do
 * not see the updates taken here: access is decided per connection, when it
 * opens (AccessGate; a read-only connection's updates are handed to
 * Hocuspocus, which refuses them), never per message.
 */
export class UpdatePipeline implements Extension {
  readonly extensionName = "tandem-update-pipeline";

  private readonly lanes = new WeakMap<WebSocketLike, Map<string, Lane>>();
  /** Sockets that have established at least one connection (passed the access gate). */
  private readonly everEstablished = new WeakSet<WebSocketLike>();

  constructor(private readonly options: UpdatePipelineOptions) {}

  /** Whether `socket` has opened a document (the handshake timeout asks). */
  hasEstablished(socket: WebSocketLike): boolean {
    return this.everEstablished.has(socket);
  }

  async connected({ connection }: connectedPayload): Promise<void> {
    const socket = connection.webSocket;
    this.everEstablished.add(socket);
    let lanes = this.lanes.get(socket);
    if (!lanes) {
      lanes = new Map();
      this.lanes.set(socket, lanes);
    }
    const address = connection.messageAddress;
    const lane: Lane = {
      connection,
      origin: { source: "connection", connection },
      frames: null,
      queue: [],
      head: 0,
      waiting: false,
      drainScheduled: false,
      closed: false,
      refused: false,
    };
    lanes.set(address, lane);
    // Frames that reached Hocuspocus before this hook ran are handled first.
    lane.waiting = true;
    connection.waitForPendingMessages().then(() => {
      lane.waiting = false;
      this.drain(lane);
    });
    connection.onClose(() => {
      // Updates still being appended stay queued: once durable they are applied for
      // everyone else (a tab closed right after a keystroke), only not acknowledged.
      lane.closed = true;
      if (lanes.get(address) === lane) lanes.delete(address);
      this.drain(lane);
    });
  }

  /**
   * Takes a client frame if it belongs to an established connection; returns
   * false (and does nothing) otherwise, and the caller hands it to Hocuspocus.
   */
  offer(socket: WebSocketLike, frame: Uint8Array, forward: (frame: Uint8Array) => void): boolean {
    const lanes = this.lanes.get(socket);
    if (!lanes || lanes.size === 0) return false;
    const parsed = readUpdateFrame(frame);
    if (parsed === null) return false;
    const lane = lanes.get(parsed.address);
    if (!lane || lane.closed) return false;
    // Taken and dropped: the connection closes once the invalid update before it is reached.
    if (lane.refused) return true;
    const update = lane.connection.readOnly ? null : parsed.update;
    const entry: Entry = { frame, update, forward, state: update ? "pending" : "durable" };
    lane.queue.push(entry);
    if (update) {
      const { ingest } = this.options;
      const documentName = lane.connection.document.name;
      try {
        // Validated here, synchronously, so nothing after an invalid update is appended.
        ingest.validate(documentName, update);
      } catch (error) {
        entry.state = "failed";
        entry.error = error;
        lane.refused = true;
        this.scheduleDrain(lane);
        return true;
      }
      ingest.append(documentName, update).then(
        () => {
          entry.state = "durable";
          this.scheduleDrain(lane);
        },
        (error: unknown) => {
          entry.state = "failed";
          entry.error = error;
          this.scheduleDrain(lane);
        },
      );
    } else if (lane.queue.length - lane.head === 1) {
      this.drain(lane);
    }
    return true;
  }

  /**
   * A group commit resolves all its appends in one go, and their callbacks run
   * as consecutive microtasks; draining after them (not in the first) makes
   * the whole commit one transaction and one broadcast.
   */
  private scheduleDrain(lane: Lane): void {
    if (lane.drainScheduled) return;
    lane.drainScheduled = true;
    queueMicrotask(() => {
      lane.drainScheduled = false;
      this.drain(lane);
    });
  }

  /**
   * Applies and acknowledges every durable update at the head of the queue, in
   * order. Once the connection has closed, its durable updates are still applied
   * (a tab closed right after a keystroke), only not acknowledged, and frames for
   * Hocuspocus are dropped; a failed append drops the rest, as it would have
   * closed the connection.
   */
  private drain(lane: Lane): void {
    if (lane.waiting && !lane.closed) return;
    const batch: Uint8Array[] = [];
    let forward: Entry | undefined;
    let failed: Entry | undefined;
    while (lane.head < lane.queue.length) {
      const head = lane.queue[lane.head]!;
      if (head.state === "pending") break;
      if (head.state === "failed") {
        failed = head;
        break;
      }
      lane.head += 1;
      if (head.update === null) {
        if (lane.closed) continue;
        forward = head;
        break;
      }
      batch.push(head.update);
    }
    compactQueue(lane);
    if (batch.length > 0) this.apply(lane, batch);
    if (failed) {
      if (lane.closed) clear(lane);
      else this.refuse(lane, failed.error);
      return;
    }
    if (forward && !lane.closed) {
      lane.waiting = true;
      forward.forward(forward.frame);
      lane.connection.waitForPendingMessages().then(() => {
        lane.waiting = false;
        this.drain(lane);
      });
    }
  }

  private apply(lane: Lane, updates: Uint8Array[]): void {
    const { connection, origin } = lane;
    const document = connection.document;
    // A closed connection's document may be unloaded already; the next load reads the store.
    if (document.isDestroyed) return;
    const acknowledge = !lane.closed;
    // With nothing pending in the document, the transaction holds only what this connection
    // sent, so echoing it back would tell the sender what it already has.
    const echoFree =
      acknowledge && document.store.pendingStructs === null && document.store.pendingDs === null;
    const socket = connection.webSocket;
    lane.frames ??= {
      ack: new OutgoingMessage(connection.messageAddress).writeSyncStatus(true).toUint8Array(),
      echoPrefix: updateFramePrefix(connection.messageAddress),
    };
    const { ack, echoPrefix } = lane.frames;
    if (echoFree) suppressedEchoes.set(socket, echoPrefix);
    try {
      this.options.ingest.apply(document, updates, origin);
    } catch (error) {
      this.options.log.error(
        { component: "update-pipeline", docId: document.name, err: errorMessage(error) },
        "could not apply a stored update; closing the connection",
      );
      clear(lane);
      if (acknowledge) {
        lane.closed = true;
        connection.close(ResetConnection);
      }
      return;
    } finally {
      if (echoFree) suppressedEchoes.delete(socket);
    }
    if (acknowledge) for (let i = 0; i < updates.length; i++) connection.send(ack);
  }

  /** A failed append: nothing after it is applied; the connection closes with the refusal. */
  private refuse(lane: Lane, error: unknown): void {
    lane.closed = true;
    clear(lane);
    closeForRefusal(lane.connection, error);
  }
}

function clear(lane: Lane): void {
  lane.queue = [];
  lane.head = 0;
}

/** Drops handled entries once they are the bigger part of the array. */
function compactQueue(lane: Lane): void {
  if (lane.head === lane.queue.length) {
    clear(lane);
  } else if (lane.head > 1024 && lane.head * 2 > lane.queue.length) {
    lane.queue = lane.queue.slice(lane.head);
    lane.head = 0;
  }
}

/**
 * Sockets whose own update is being applied right now, with the first bytes of
 * an update frame for their address. Hocuspocus broadcasts a transaction to
 * every connection of the document, its sender included; the socket layer
 * asks `isSuppressedEcho` before sending.
 */
const suppressedEchoes = new WeakMap<WebSocketLike, Uint8Array>();

/** Whether `frame`, about to be sent on `socket`, is that socket's own update coming back. */
export function isSuppressedEcho(socket: WebSocketLike, frame: Uint8Array): boolean {
  const prefix = suppressedEchoes.get(socket);
  if (prefix === undefined || frame.length <= prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (frame[i] !== prefix[i]) return false;
  return true;
}

/**
 * The address of a client frame and, for a Sync message carrying an update
 * (step 2 or update), that update; else null. Null for frames it cannot read:
 * Hocuspocus then sees them, and the socket ingest refuses them.
 */
function readUpdateFrame(frame: Uint8Array): { address: string; update: Uint8Array | null } | null {
  try {
    const { address, type, update } = readClientFrame(frame);
    return { address, update: type === MessageType.Sync ? update : null };
  } catch {
    return null;
  }
}
