import type {
  afterLoadDocumentPayload,
  afterUnloadDocumentPayload,
  beforeHandleMessagePayload,
  connectedPayload,
  Extension,
  onChangePayload,
  onLoadDocumentPayload,
  onStoreDocumentPayload,
  WebSocketLike,
} from "@hocuspocus/server";
import * as decoding from "lib0/decoding";
import * as Y from "yjs";
import { DEFAULT_TITLE } from "../../lib/doc-id";
import type { Logger } from "../log";
import {
  errorMessage,
  inspectClientFrame,
  isEmptyUpdate,
  ProtocolError,
} from "../protocol/hocuspocus-frame";
import type { DocStore } from "../storage/doc-store";
import { StoreError } from "../storage/doc-store";

export interface PersistenceOptions {
  store: DocStore;
  log: Logger;
  /** Compact once the log holds this many entries or bytes. */
  compactLogEntries: number;
  compactLogBytes: number;
}

/** Origin for changes replayed from storage: already durable, never appended again. */
export const STORAGE_ORIGIN = { source: "local", skipStoreHooks: true } as const;

/**
 * Makes every document change durable before anyone sees it acknowledged.
 *
 * Client updates are appended in `beforeHandleMessage`, which Hocuspocus awaits
 * before it applies the update and sends the sync-status acknowledgement; so an
 * acknowledged (or broadcast) update is always in the store's log. Changes made
 * on the server (HTTP API, direct connections) are appended from `onChange`;
 * callers that must answer only once durable await `whenDurable`.
 */
export class Persistence implements Extension {
  readonly extensionName = "tandem-persistence";
  // Runs before other extensions' message hooks so nothing observes an update before it is stored.
  readonly priority = 1000;

  private readonly pendingServerWrites = new Map<string, Set<Promise<void>>>();
  /** Documents each socket has an established (access-checked, loaded) connection to. */
  private readonly established = new WeakMap<WebSocketLike, Set<string>>();
  /** Appends started as frames arrived, awaited when Hocuspocus gets to the frame. */
  private readonly started = new WeakMap<Uint8Array, Promise<void>>();
  private readonly compacting = new Set<string>();

  constructor(private readonly options: PersistenceOptions) {}

  async onLoadDocument(payload: onLoadDocumentPayload): Promise<void> {
    try {
      await this.loadInto(payload.documentName, payload.document);
    } catch (error) {
      if (error instanceof StoreError && error.code === "deleted") {
        throw Object.assign(new Error(error.message), { reason: "document-deleted" });
      }
      this.options.log.error(
        { component: "persistence", docId: payload.documentName, err: errorMessage(error) },
        "document load failed; the client is asked to retry",
      );
      // Hocuspocus then unloads the half-made document; nothing empty is ever stored.
      throw Object.assign(new Error(errorMessage(error)), { reason: "document-load-failed" });
    }
  }

  private async loadInto(documentName: string, document: Y.Doc): Promise<void> {
    const { store, log } = this.options;
    let stored = await store.load(documentName);
    if (stored === null) {
      // A connection to a valid, never-seen id creates the document, as Yjs servers do.
      await store.create(documentName, DEFAULT_TITLE).catch((error: unknown) => {
        if (!(error instanceof StoreError && error.code === "exists")) throw error;
      });
      stored = await store.load(documentName);
    }
    if (stored === null) return;
    let skipped = 0;
    Y.transact(
      document,
      () => {
        for (const update of stored.updates) {
          try {
            Y.applyUpdate(document, update, STORAGE_ORIGIN);
          } catch (error) {
            // Keep serving what is readable; the raw entry stays in the log for recovery.
            skipped += 1;
            log.error(
              { component: "persistence", docId: documentName, err: errorMessage(error) },
              "skipped an unreadable stored update",
            );
          }
        }
      },
      STORAGE_ORIGIN,
    );
    log.debug(
      { component: "persistence", docId: documentName, updates: stored.updates.length, skipped },
      "document loaded",
    );
  }

  async afterLoadDocument({ documentName, document }: afterLoadDocumentPayload): Promise<void> {
    // The title lives in the document (so it syncs live) and in metadata (so lists stay cheap).
    const meta = document.getMap<unknown>("meta");
    meta.observe((event) => {
      if (!event.keysChanged.has("title")) return;
      const title = meta.get("title");
      if (typeof title !== "string") return;
      this.options.store.rename(documentName, title).catch((error: unknown) => {
        this.options.log.warn(
          { component: "persistence", docId: documentName, err: errorMessage(error) },
          "could not store the new title",
        );
      });
    });
  }

  async connected({ connection, documentName }: connectedPayload): Promise<void> {
    const socket = connection.webSocket;
    let documents = this.established.get(socket);
    if (!documents) {
      documents = new Set();
      this.established.set(socket, documents);
    }
    documents.add(documentName);
    connection.onClose(() => documents.delete(documentName));
  }

  /**
   * Called by the socket layer for each frame as it arrives. Hocuspocus handles
   * one frame of a connection at a time, awaiting `beforeHandleMessage`; starting
   * the append here lets a burst of frames share one group commit instead of
   * paying one write each. Only for documents the socket is established on, so
   * nothing is written before the access checks passed.
   */
  prefetch(socket: WebSocketLike, frame: Uint8Array): void {
    const documents = this.established.get(socket);
    if (!documents || documents.size === 0) return;
    const documentName = readDocumentName(frame);
    if (documentName === null || !documents.has(documentName)) return;
    const append = this.appendFrame(documentName, frame);
    // Awaited (and its error surfaced) in beforeHandleMessage; never unhandled meanwhile.
    append.catch(() => undefined);
    this.started.set(frame, append);
  }

  async beforeHandleMessage({
    update: frame,
    documentName,
  }: beforeHandleMessagePayload): Promise<void> {
    const started = this.started.get(frame);
    if (started) {
      this.started.delete(frame);
      return started;
    }
    return this.appendFrame(documentName, frame);
  }

  /** Validates a client frame and, when it carries a document change, appends it durably. */
  private async appendFrame(documentName: string, frame: Uint8Array): Promise<void> {
    let summary: ReturnType<typeof inspectClientFrame>;
    try {
      summary = inspectClientFrame(frame);
    } catch (error) {
      this.refused(documentName, error);
      throw error;
    }
    if (summary.kind !== "document-update") return;
    await this.appendUpdate(documentName, summary.update);
  }

  /**
   * Validates one client update and appends it durably. Rejects with the close
   * event ({ code, reason }) the sending connection gets; used by Hocuspocus's
   * path (beforeHandleMessage) and by the socket layer's update pipeline.
   */
  async appendUpdate(documentName: string, update: Uint8Array): Promise<void> {
    if (isEmptyUpdate(update)) return;
    try {
      assertDecodableUpdate(update);
    } catch (error) {
      this.refused(documentName, error);
      throw error;
    }
    try {
      await this.options.store.append(documentName, update);
    } catch (error) {
      this.options.log.error(
        { component: "persistence", docId: documentName, err: errorMessage(error) },
        "append failed; the update is refused and the client will resend it",
      );
      throw closeReasonFor(error);
    }
  }

  private refused(documentName: string, error: unknown): void {
    this.options.log.warn(
      { component: "persistence", docId: documentName, err: errorMessage(error) },
      "refused a client message; closing that connection",
    );
  }

  async onChange({ documentName, update, transactionOrigin }: onChangePayload): Promise<void> {
    if (isConnectionOrigin(transactionOrigin) || transactionOrigin === STORAGE_ORIGIN) return;
    this.track(documentName, this.options.store.append(documentName, update));
  }

  /** Resolves once every server-side change made so far to the document is durable. */
  async whenDurable(documentName: string): Promise<void> {
    const pending = this.pendingServerWrites.get(documentName);
    if (pending) await Promise.all(pending);
  }

  async onStoreDocument({ documentName }: onStoreDocumentPayload): Promise<void> {
    // Everything is already durable; the debounced store hook is only a cheap moment to compact.
    const stats = await this.options.store.logStats(documentName);
    if (
      stats.entries >= this.options.compactLogEntries ||
      stats.bytes >= this.options.compactLogBytes
    ) {
      await this.compact(documentName);
    }
  }

  async afterUnloadDocument({ documentName }: afterUnloadDocumentPayload): Promise<void> {
    await this.whenDurable(documentName);
    await this.compact(documentName);
  }

  /** Folds the log into the snapshot; failures are logged and leave the log untouched. */
  async compact(documentName: string): Promise<void> {
    if (this.compacting.has(documentName)) return;
    this.compacting.add(documentName);
    try {
      const result = await this.options.store.compact(documentName);
      if (result.merged > 0) {
        this.options.log.debug(
          { component: "persistence", docId: documentName, ...result },
          "compacted",
        );
      }
    } catch (error) {
      if (!(error instanceof StoreError && (error.code === "deleted" || error.code === "closed"))) {
        this.options.log.error(
          { component: "persistence", docId: documentName, err: errorMessage(error) },
          "compaction failed; the log is kept as it is",
        );
      }
    } finally {
      this.compacting.delete(documentName);
    }
  }

  private track(documentName: string, write: Promise<void>): void {
    let pending = this.pendingServerWrites.get(documentName);
    if (!pending) {
      pending = new Set();
      this.pendingServerWrites.set(documentName, pending);
    }
    const tracked = write.catch((error: unknown) => {
      this.options.log.error(
        { component: "persistence", docId: documentName, err: errorMessage(error) },
        "could not store a server-side change",
      );
      throw error;
    });
    pending.add(tracked);
    const settle = () => {
      pending.delete(tracked);
      if (pending.size === 0) this.pendingServerWrites.delete(documentName);
    };
    tracked.then(settle, settle);
  }
}

/** The document a frame is addressed to (without a session suffix), or null if unreadable. */
function readDocumentName(frame: Uint8Array): string | null {
  try {
    const address = decoding.readVarString(decoding.createDecoder(frame));
    const separator = address.indexOf("\0");
    return separator === -1 ? address : address.slice(0, separator);
  } catch {
    return null;
  }
}

function isConnectionOrigin(origin: unknown): boolean {
  return (
    typeof origin === "object" &&
    origin !== null &&
    (origin as { source?: unknown }).source === "connection"
  );
}

/** Rejects updates Yjs cannot decode, before they reach the log and poison every later load. */
function assertDecodableUpdate(update: Uint8Array): void {
  try {
    Y.decodeUpdate(update);
  } catch (error) {
    throw new ProtocolError("invalid-update", `undecodable Yjs update: ${errorMessage(error)}`);
  }
}

/** The close code and reason Hocuspocus sends when a message hook throws. */
function closeReasonFor(error: unknown): { code: number; reason: string } {
  if (error instanceof StoreError && error.code === "deleted") {
    return { code: 4404, reason: "document-deleted" };
  }
  return { code: 4500, reason: "storage-unavailable" };
}
