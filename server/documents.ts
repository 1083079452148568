import { type Hocuspocus, OutgoingMessage } from "@hocuspocus/server";
import * as Y from "yjs";
import { newDocId } from "../lib/doc-id";
import { replayUpdates } from "../lib/documents/replay";
import { DEFAULT_TITLE, normalizeTitle } from "../lib/documents/title";
import { YJS_META_MAP } from "../lib/editor-extensions";
import { Refused } from "../lib/protocol/refusals";
import type { DocCatalog, DocMeta } from "./storage/doc-catalog";
import { StoreError } from "./storage/store-error";
import type { UpdateLog } from "./storage/update-log";
import type { Ingest } from "./sync/ingest";
import { STORAGE_ORIGIN } from "./sync/origins";
import { refusalForStoreError } from "./sync/store-refusals";

export interface DocumentServiceOptions {
  hocuspocus: Hocuspocus;
  catalog: DocCatalog;
  log: UpdateLog;
  ingest: Ingest;
}

/**
 * Document operations shared by the HTTP API and the CLI. Reads prefer the live
 * Hocuspocus document (it holds everything acknowledged) and fall back to
 * storage without loading the document into the sync server. Access is the
 * caller's business (the AccessGate), so is the id rule.
 */
export class DocumentService {
  private readonly deleteListeners = new Set<(id: string) => void>();

  constructor(private readonly options: DocumentServiceOptions) {}

  async list(): Promise<DocMeta[]> {
    return (await this.options.catalog.list()).map(withTitleRule);
  }

  async create(title: string = DEFAULT_TITLE, id: string = newDocId()): Promise<DocMeta> {
    try {
      return await this.options.catalog.create(id, normalizeTitle(title));
    } catch (error) {
      throw refusalFor(error);
    }
  }

  async getMeta(id: string): Promise<DocMeta> {
    const meta = await this.options.catalog.get(id);
    if (meta) return withTitleRule(meta);
    throw await this.missing(id);
  }

  /** Renames in the catalog and in the document's `meta` map, so open editors see it live. */
  async rename(id: string, title: string): Promise<DocMeta> {
    await this.getMeta(id);
    const clean = normalizeTitle(title);
    const connection = await this.options.hocuspocus.openDirectConnection(id);
    try {
      const document = connection.document;
      if (!document) throw new Refused("document-load-failed", `document ${id} is not loaded`);
      await this.options.ingest.change(id, document, (doc) =>
        doc.getMap(YJS_META_MAP).set("title", clean),
      );
    } finally {
      await connection.disconnect();
    }
    try {
      return await this.options.catalog.rename(id, clean);
    } catch (error) {
      throw refusalFor(error);
    }
  }

  /** Deletes the stored document, then drops its live connections; their reconnects are refused. */
  async delete(id: string): Promise<void> {
    const deleted = await this.options.catalog.delete(id);
    if (!deleted) throw await this.missing(id);
    this.refuseLiveConnections(id);
    for (const listener of this.deleteListeners) listener(id);
  }

  /** For a principal admitted to write `id`: see ensureCatalogEntry. */
  async ensureExists(id: string): Promise<void> {
    try {
      await ensureCatalogEntry(this.options.catalog, id);
    } catch (error) {
      throw refusalFor(error);
    }
  }

  /** Transports outside Hocuspocus (the HTTP sync) drop their streams on delete through this. */
  onDelete(listener: (id: string) => void): () => void {
    this.deleteListeners.add(listener);
    return () => this.deleteListeners.delete(listener);
  }

  /**
   * Runs `read` against the document's current state. The Y.Doc must not be
   * kept or modified: it may be the live document.
   */
  async read<T>(id: string, read: (doc: Y.Doc) => T): Promise<T> {
    const { hocuspocus, log, catalog } = this.options;
    const live = hocuspocus.documents.get(id);
    if (live && !live.isLoading && !live.isDestroyed) return read(live);
    const loading = hocuspocus.loadingDocuments.get(id);
    if (loading) {
      const doc = await loading.catch(() => null);
      if (doc && !doc.isDestroyed) return read(doc);
    }
    let stored: Awaited<ReturnType<UpdateLog["load"]>>;
    try {
      stored = await log.load(id);
    } catch (error) {
      throw refusalFor(error);
    }
    if (stored === null && (await catalog.get(id)) === null) throw await this.missing(id);
    const doc = new Y.Doc();
    try {
      replayUpdates(doc, stored?.updates ?? [], STORAGE_ORIGIN, () => undefined);
      return read(doc);
    } finally {
      doc.destroy();
    }
  }

  /** The refusal for a document the catalog does not list. */
  private async missing(id: string): Promise<Refused> {
    return (await this.options.catalog.isDeleted(id))
      ? new Refused("document-deleted", `document ${id} was deleted`)
      : new Refused("document-not-found", `no document ${id}`);
  }

  /**
   * Tells each provider on the document that it is refused (a permission-denied
   * frame, which providers treat as final), then detaches it. A plain close
   * would leave providers waiting on an open socket.
   */
  private refuseLiveConnections(id: string): void {
    const document = this.options.hocuspocus.documents.get(id);
    if (!document) return;
    const refusal = new Refused("document-deleted");
    for (const connection of document.getConnections()) {
      connection.send(
        new OutgoingMessage(connection.messageAddress)
          .writePermissionDenied(refusal.reason)
          .toUint8Array(),
      );
      connection.close({ code: refusal.code, reason: refusal.reason });
    }
  }
}

/**
 * A writer opening an id nobody has used creates the document, titled by the
 * title rule's default, as Yjs servers do for any room. Readers create
 * nothing: they see an empty document until a writer writes.
 */
export async function ensureCatalogEntry(catalog: DocCatalog, id: string): Promise<void> {
  if ((await catalog.get(id)) !== null) return;
  await catalog.create(id, DEFAULT_TITLE).catch((error: unknown) => {
    if (!(error instanceof StoreError && error.code === "exists")) throw error;
  });
}

/** Storage keeps titles as given; an unreadable record's empty title reads as the default. */
function withTitleRule(meta: DocMeta): DocMeta {
  const title = normalizeTitle(meta.title);
  return title === meta.title ? meta : { ...meta, title };
}

/** Storage errors as the refusals clients see; anything else is passed on as it is. */
function refusalFor(error: unknown): unknown {
  return refusalForStoreError(error) ?? error;
}
