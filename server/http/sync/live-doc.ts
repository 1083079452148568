import { randomBytes } from "node:crypto";
import type { Document } from "@hocuspocus/server";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import type { PollAnswer } from "../../../lib/protocol/http-sync";
import type { Refusal } from "../../../lib/protocol/refusals";
import { HTTP_AWARENESS_ORIGIN, httpSenderOf } from "../../sync/origins";
import type { AwarenessEntry } from "./awareness-codec";
import { toBase64 } from "./request";

/** Someone streaming or polling a document. */
export interface Listener {
  /** The client id the listener belongs to; its own changes are not sent back. */
  client: number | undefined;
  onUpdate(encoded: () => string, sender: number | undefined): void;
  onAwareness(changed: number[]): void;
  onClose(reason: CloseReason): void;
}

/**
 * Why the HTTP sync released a document: a refusal its streams end with, or
 * "idle" (released after the linger time, when nobody is listening any more).
 */
export type CloseReason = typeof Refusal.DocumentDeleted | typeof Refusal.ShuttingDown | "idle";

/** What a LiveDoc holds to keep its document loaded; a Hocuspocus direct connection. */
export interface DocumentHold {
  disconnect(): Promise<void>;
}

/**
 * One loaded document as the HTTP sync sees it: a hold on it (so it stays
 * loaded while anyone streams or polls), the listeners, and sequence numbers
 * that let a long-poll tell what a client has not seen yet.
 */
export class LiveDoc {
  /** Distinguishes cursors from an earlier LiveDoc (or server) for the same id. */
  readonly epoch = randomBytes(6).toString("base64url");
  private seq = 0;
  /** Latest seq of a document update per sender (`-1`: not from an HTTP client). */
  private readonly updateSeqs = new Map<number, number>();
  private readonly awarenessSeqs = new Map<number, number>();
  /** Presence set over HTTP; only these are removed when a stream closes. */
  private readonly httpAwarenessClients = new Set<number>();
  readonly listeners = new Set<Listener>();
  /** Requests and streams holding the document; managed by LiveDocs. */
  refs = 0;
  lingerTimer: NodeJS.Timeout | undefined;
  /** Why the document was released; null while open. */
  closedFor: CloseReason | null = null;

  constructor(
    readonly id: string,
    readonly hold: DocumentHold,
    readonly document: Document,
  ) {
    document.on("update", this.handleUpdate);
    document.awareness.on("update", this.handleAwareness);
  }

  get cursor(): string {
    return `${this.epoch}.${this.seq}`;
  }

  applyAwareness(update: Uint8Array, states: AwarenessEntry[]): void {
    if (this.closedFor !== null || this.document.isDestroyed) return;
    awarenessProtocol.applyAwarenessUpdate(this.document.awareness, update, HTTP_AWARENESS_ORIGIN);
    for (const { clientId, present } of states) {
      if (present) this.httpAwarenessClients.add(clientId);
      else this.httpAwarenessClients.delete(clientId);
    }
  }

  /** Drops the presence of an HTTP client whose last stream closed, instead of waiting 30 s for it to time out. */
  dropAwareness(clientId: number): void {
    if (this.closedFor !== null || !this.httpAwarenessClients.has(clientId)) return;
    for (const listener of this.listeners) if (listener.client === clientId) return;
    this.httpAwarenessClients.delete(clientId);
    if (this.document.awareness.getStates().has(clientId)) {
      awarenessProtocol.removeAwarenessStates(
        this.document.awareness,
        [clientId],
        HTTP_AWARENESS_ORIGIN,
      );
    }
  }

  /** Encoded presence of `clients` (all present ones when omitted), minus `except`; null when empty. */
  encodeAwareness(clients: number[] | undefined, except: number | undefined): Uint8Array | null {
    const awareness = this.document.awareness;
    const ids = (clients ?? [...awareness.getStates().keys()]).filter(
      (id) => id !== except && awareness.meta.has(id),
    );
    return ids.length === 0 ? null : awarenessProtocol.encodeAwarenessUpdate(awareness, ids);
  }

  /** What a long-poll with these parameters should get now, or null if it has seen everything. */
  pollAnswer(
    clientSv: Map<number, number>,
    sv: Uint8Array,
    client: number | undefined,
    since: string | undefined,
    force: boolean,
  ): PollAnswer | null {
    const sinceSeq = this.parseCursor(since);
    const fresh = sinceSeq === null;
    const needsUpdate =
      fresh || this.lacksStructs(clientSv) || this.changedSince(this.updateSeqs, sinceSeq, client);
    const awarenessChanged = fresh ? undefined : this.awarenessChangedSince(sinceSeq, client);
    const awareness =
      awarenessChanged === undefined || awarenessChanged.length > 0
        ? this.encodeAwareness(awarenessChanged, client)
        : null;
    if (!needsUpdate && awareness === null && !force) return null;
    return {
      cursor: this.cursor,
      stateVector: toBase64(Y.encodeStateVector(this.document)),
      update: needsUpdate ? toBase64(Y.encodeStateAsUpdate(this.document, sv)) : null,
      awareness: awareness === null ? null : toBase64(awareness),
    };
  }

  /** Stops listening to the document and tells every listener why. */
  detach(reason: CloseReason): void {
    this.closedFor = reason;
    clearTimeout(this.lingerTimer);
    this.document.off("update", this.handleUpdate);
    this.document.awareness.off("update", this.handleAwareness);
    for (const listener of [...this.listeners]) listener.onClose(reason);
    this.listeners.clear();
  }

  private parseCursor(cursor: string | undefined): number | null {
    if (cursor === undefined) return null;
    const [epoch, seq] = cursor.split(".");
    const value = Number(seq);
    if (epoch !== this.epoch || !Number.isInteger(value) || value < 0 || value > this.seq) {
      return null;
    }
    return value;
  }

  /** Deletions do not move the state vector, so this alone cannot tell a client is current. */
  private lacksStructs(clientSv: Map<number, number>): boolean {
    for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(this.document))) {
      if ((clientSv.get(client) ?? 0) < clock) return true;
    }
    return false;
  }

  private changedSince(seqs: Map<number, number>, since: number, except: number | undefined) {
    for (const [key, seq] of seqs) if (key !== except && seq > since) return true;
    return false;
  }

  private awarenessChangedSince(since: number, except: number | undefined): number[] {
    const changed: number[] = [];
    for (const [clientId, seq] of this.awarenessSeqs) {
      if (clientId !== except && seq > since) changed.push(clientId);
    }
    return changed;
  }

  private readonly handleUpdate = (update: Uint8Array, origin: unknown) => {
    const sender = httpSenderOf(origin);
    this.seq += 1;
    this.updateSeqs.set(sender ?? -1, this.seq);
    let encoded: string | undefined;
    const lazy = () => {
      encoded ??= toBase64(update);
      return encoded;
    };
    for (const listener of this.listeners) listener.onUpdate(lazy, sender);
  };

  private readonly handleAwareness = ({
    added,
    updated,
    removed,
  }: {
    added: number[];
    updated: number[];
    removed: number[];
  }) => {
    const changed = [...added, ...updated, ...removed];
    this.seq += 1;
    for (const clientId of changed) this.awarenessSeqs.set(clientId, this.seq);
    for (const clientId of removed) this.httpAwarenessClients.delete(clientId);
    for (const listener of this.listeners) listener.onAwareness(changed);
  };
}
