import { type Hocuspocus, OutgoingMessage } from "@hocuspocus/server";
import * as Y from "yjs";
import { DEFAULT_TITLE, newDocId } from "../lib/doc-id";
import type { Persistence } from "./extensions/persistence";
import { STORAGE_ORIGIN } from "./extensions/persistence";
import type { DocMeta, DocStore } from "./storage/doc-store";
import { StoreError } from "./storage/doc-store";

/**
 * Document operations shared by the HTTP API and the CLI. Reads prefer the live
 * Hocuspocus document (it holds everything acknowledged) and fall back to
 * storage without loading the document into the sync server.
 */
export class DocumentService {
  private readonly deleteListeners = new Set<(id: string) => void>();

  constructor(
    private readonly hocuspocus: Hocuspocus,
    private readonly store: DocStore,
    private readonly persistence: Persistence,
  ) {}

  list(): Promise<DocMeta[]> {
    return this.store.list();
  }

  async create(title: string = DEFAULT_TITLE, id: string = newDocId()): Promise<DocMeta> {
    return this.store.create(id, title);
  }

  async getMeta(id: string): Promise<DocMeta> {
    const meta = await this.store.getMeta(id);
    if (meta) return meta;
    if (await this.store.isDeleted(id))
      throw new StoreError("deleted", `document ${id} was deleted`);
    throw new StoreError("not-found", `no document ${id}`);
  }

  /** Renames in metadata and in the document's `meta` map, so open editors see it live. */
  async rename(id: string, title: string): Promise<DocMeta> {
    await this.getMeta(id);
    const connection = await this.hocuspocus.openDirectConnection(id);
    try {
      await connection.transact((doc) => doc.getMap("meta").set("title", title));
    } finally {
      await connection.disconnect();
    }
    await this.persistence.whenDurable(id);
    return this.store.rename(id, title);
  }

  /** Deletes the stored document, then drops its live connections; their reconnects are refused. */
  async delete(id: string): Promise<void> {
    const deleted = await this.store.delete(id);
    if (!deleted) {
      if (await this.store.isDeleted(id))
        throw new StoreError("deleted", `document ${id} was deleted`);
      throw new StoreError("not-found", `no document ${id}`);
    }
    this.refuseLiveConnections(id, "document-deleted");
    for (const listener of this.deleteListeners) listener(id);
  }

  /** Transports outside Hocuspocus (the HTTP fallback) drop their streams on delete through this. */
  onDelete(listener: (id: string) => void): () => void {
    this.deleteListeners.add(listener);
    return () => this.deleteListeners.delete(listener);
  }

  /**
   * Tells each provider on the document that it is refused (a permission-denied
   * frame, which providers treat as final), then detaches it. A plain close
   * would leave providers waiting on an open socket.
   */
  private refuseLiveConnections(id: string, reason: string): void {
    const document = this.hocuspocus.documents.get(id);
    if (!document) return;
    for (const connection of document.getConnections()) {
      connection.send(
        new OutgoingMessage(connection.messageAddress).writePermissionDenied(reason).toUint8Array(),
      );
      connection.close({ code: 4404, reason });
    }
  }

  /**
   * Runs `read` against the document's current state. The Y.Doc must not be
   * kept or modified: it may be the live document.
   */
  async read<T>(id: string, read: (doc: Y.Doc) => T): Promise<T> {
    const live = this.hocuspocus.documents.get(id);
    if (live && !live.isLoading && !live.isDestroyed) return read(live);
    const loading = this.hocuspocus.loadingDocuments.get(id);
    if (loading) {
      const doc = await loading.catch(() => null);
      if (doc && !doc.isDestroyed) return read(doc);
    }
    const stored = await this.store.load(id);
    if (stored === null) throw new StoreError("not-found", `no document ${id}`);
    const doc = new Y.Doc();
    try {
      Y.transact(
        doc,
        () => {
          for (const update of stored.updates) Y.applyUpdate(doc, update, STORAGE_ORIGIN);
        },
        STORAGE_ORIGIN,
      );
      return read(doc);
    } finally {
      doc.destroy();
    }
  }
}
