import * as Y from "yjs";
import { replayUpdates } from "../../lib/documents/replay";
import { isEmptyUpdate } from "../../lib/protocol/frames";
import { Refused } from "../../lib/protocol/refusals";
import { errorMessage, type Logger } from "../log";
import { StoreError } from "../storage/store-error";
import type { UpdateLog } from "../storage/update-log";
import { type ServerOrigin, type SyncOrigin, serverOrigin } from "./origins";
import type { StorageHealth } from "./storage-health";
import { refusalForStoreError } from "./store-refusals";

export interface IngestOptions {
  log: UpdateLog;
  health: StorageHealth;
  logger: Logger;
}

/**
 * The one way in for document updates. Every update from outside the process
 * (either socket dialect, through the update pipeline or Hocuspocus's own
 * path; an HTTP POST; later imports) is validated, appended durably and then
 * applied with a typed origin (./origins.ts); changes the server makes itself
 * go through `change`. Nothing else appends to the update log: updates that
 * storage loaded or a peer instance relayed (it stored them) are applied with
 * their own origins and never stored twice.
 *
 * Durability rule: nothing is applied (so broadcast) or acknowledged before
 * its append resolved.
 */
export class Ingest {
  constructor(private readonly options: IngestOptions) {}

  /** False while storage cannot make writes durable: every append is refused at once. */
  get writable(): boolean {
    return this.options.health.writable;
  }

  /**
   * Validates one update and appends it durably. Rejects with a Refused
   * (invalid-update, document-deleted, storage-unavailable) that the sender's
   * transport turns into its close or HTTP error.
   */
  async persist(documentName: string, update: Uint8Array): Promise<void> {
    this.validate(documentName, update);
    await this.append(documentName, update);
  }

  /**
   * Throws Refused("invalid-update") for bytes Yjs cannot decode. Full
   * validation would mean applying to a scratch copy of the document;
   * decoding catches truncated and garbage updates before they reach the log
   * and poison every later load.
   */
  validate(documentName: string, update: Uint8Array): void {
    try {
      if (update.length === 0) throw new Error("empty update");
      Y.decodeUpdate(update);
    } catch (error) {
      this.options.logger.warn(
        {
          component: "ingest",
          docId: documentName,
          bytes: update.length,
          err: errorMessage(error),
        },
        "refused an undecodable update",
      );
      throw new Refused("invalid-update", `not a Yjs update: ${errorMessage(error)}`);
    }
  }

  /**
   * Appends a validated update durably, through the storage health gate; an
   * empty update (nothing new) resolves at once. Every failure is a Refused.
   */
  async append(documentName: string, update: Uint8Array): Promise<void> {
    if (isEmptyUpdate(update)) return;
    const { health, logger } = this.options;
    if (!health.writable) {
      throw new Refused("storage-unavailable", "storage cannot make writes durable right now");
    }
    try {
      await this.options.log.append(documentName, update);
    } catch (error) {
      const refused = refusalForStoreError(error);
      if (refused?.reason === "document-deleted") throw refused;
      if (!(error instanceof StoreError && error.code === "closed")) health.reportFailure(error);
      logger.error(
        { component: "ingest", docId: documentName, err: errorMessage(error) },
        "append failed; the update is refused and its sender will resend it",
      );
      throw new Refused("storage-unavailable", errorMessage(error));
    }
  }

  /**
   * Applies updates that are already durable to a live document, in one
   * transaction: one broadcast frame and one `update` event for all of them.
   */
  apply(document: Y.Doc, updates: readonly Uint8Array[], origin: SyncOrigin): void {
    replayUpdates(document, updates, origin);
  }

  /**
   * A change the server makes itself (a rename writing `meta.title`). It is
   * made on a copy of the live document, appended, and only then applied to
   * the live document with a server origin, so it follows the durability
   * rule like any client's update. Resolves once applied.
   */
  async change(
    documentName: string,
    document: Y.Doc,
    mutate: (doc: Y.Doc, origin: ServerOrigin) => void,
  ): Promise<void> {
    const origin = serverOrigin();
    const copy = new Y.Doc();
    const updates: Uint8Array[] = [];
    try {
      Y.applyUpdate(copy, Y.encodeStateAsUpdate(document));
      copy.on("update", (update: Uint8Array, transactionOrigin: unknown) => {
        if (transactionOrigin === origin) updates.push(update);
      });
      copy.transact(() => mutate(copy, origin), origin);
    } finally {
      copy.destroy();
    }
    for (const update of updates) await this.append(documentName, update);
    this.apply(document, updates, origin);
  }
}
