import type { Hocuspocus } from "@hocuspocus/server";
import { Refusal, Refused } from "../../../lib/protocol/refusals";
import { errorMessage, type Logger } from "../../log";
import { type CloseReason, LiveDoc } from "./live-doc";

export interface LiveDocsOptions {
  hocuspocus: Hocuspocus;
  log: Logger;
  /** How long a document stays loaded after its last HTTP request, so polls and bursts of posts reuse it. */
  lingerMs: number;
}

/**
 * The documents the HTTP sync holds loaded. HTTP requests are short, so each
 * takes a reference for its duration (a stream for its whole life), and a
 * document is released only after `lingerMs` without any: a client that polls
 * or posts in a loop does not load and unload its document every time.
 */
export class LiveDocs {
  private readonly live = new Map<string, LiveDoc>();
  private readonly opening = new Map<string, Promise<LiveDoc>>();
  private readonly disconnects = new Set<Promise<void>>();
  private closing = false;

  constructor(private readonly options: LiveDocsOptions) {}

  /** Holds the document for a request; pair with `release`. Loads it like a socket connect would. */
  async acquire(id: string): Promise<LiveDoc> {
    this.assertOpen();
    let doc = this.live.get(id);
    if (!doc) {
      let pending = this.opening.get(id);
      if (!pending) {
        pending = this.open(id).finally(() => this.opening.delete(id));
        this.opening.set(id, pending);
      }
      doc = await pending;
    }
    if (doc.closedFor !== null) {
      // Deleted or shut down while this request waited for it; an idle release is simply reopened.
      if (doc.closedFor === Refusal.DocumentDeleted) {
        throw new Refused(doc.closedFor, `document ${id} was deleted`);
      }
      return this.acquire(id);
    }
    doc.refs += 1;
    clearTimeout(doc.lingerTimer);
    doc.lingerTimer = undefined;
    return doc;
  }

  release(doc: LiveDoc): void {
    doc.refs -= 1;
    if (doc.refs > 0 || doc.closedFor !== null) return;
    doc.lingerTimer = setTimeout(() => {
      if (doc.refs === 0) this.dispose(doc, "idle");
    }, this.options.lingerMs);
    doc.lingerTimer.unref();
  }

  /** A deleted document: its streams end with the refusal and later requests are refused. */
  drop(id: string, reason: CloseReason): void {
    const doc = this.live.get(id);
    if (doc) this.dispose(doc, reason);
  }

  /** Ends every stream and poll and releases every held document (shutdown). */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.opening.values()]);
    for (const doc of [...this.live.values()]) this.dispose(doc, Refusal.ShuttingDown);
    await Promise.all([...this.disconnects]);
  }

  private assertOpen(): void {
    if (this.closing)
      throw new Refused("shutting-down", "the server is not accepting sync work now");
  }

  private async open(id: string): Promise<LiveDoc> {
    const { hocuspocus } = this.options;
    let connection: Awaited<ReturnType<Hocuspocus["openDirectConnection"]>>;
    try {
      connection = await hocuspocus.openDirectConnection(id, { transport: "http-sync" });
    } catch (error) {
      if (error instanceof Refused && error.reason === "document-deleted") throw error;
      throw new Refused("document-load-failed", `document ${id} could not be loaded, retry later`);
    }
    const document = hocuspocus.documents.get(id);
    if (!document || document.isDestroyed) {
      await connection.disconnect();
      throw new Refused("document-load-failed", `document ${id} could not be loaded, retry later`);
    }
    const doc = new LiveDoc(id, connection, document);
    this.live.set(id, doc);
    if (this.closing) this.dispose(doc, Refusal.ShuttingDown);
    return doc;
  }

  private dispose(doc: LiveDoc, reason: CloseReason): void {
    if (doc.closedFor !== null) return;
    if (this.live.get(doc.id) === doc) this.live.delete(doc.id);
    doc.detach(reason);
    const disconnect = doc.hold.disconnect().catch((error: unknown) => {
      this.options.log.warn(
        { component: "http-sync", docId: doc.id, err: errorMessage(error) },
        "releasing a document failed",
      );
    });
    this.disconnects.add(disconnect);
    void disconnect.finally(() => this.disconnects.delete(disconnect));
  }
}
