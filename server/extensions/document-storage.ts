import type {
  afterLoadDocumentPayload,
  afterUnloadDocumentPayload,
  Extension,
  onChangePayload,
  onLoadDocumentPayload,
  onStoreDocumentPayload,
} from "@hocuspocus/server";
import { replayUpdates } from "../../lib/documents/replay";
import { normalizeTitle } from "../../lib/documents/title";
import { YJS_META_MAP } from "../../lib/editor-extensions";
import { Refused } from "../../lib/protocol/refusals";
import { errorMessage, type Logger } from "../log";
import type { DocCatalog } from "../storage/doc-catalog";
import { StoreError } from "../storage/store-error";
import type { UpdateLog } from "../storage/update-log";
import type { Ingest } from "../sync/ingest";
import { originKind, STORAGE_ORIGIN } from "../sync/origins";
import { refusalForStoreError } from "../sync/store-refusals";

export interface DocumentStorageOptions {
  log: UpdateLog;
  catalog: DocCatalog;
  ingest: Ingest;
  logger: Logger;
  /** Compact once the log holds this many entries or bytes. */
  compactLogEntries: number;
  compactLogBytes: number;
}

/**
 * Connects live documents to storage: loads a document from its update log,
 * keeps the catalog's title in step with the document's `meta.title`, and
 * compacts the log when it has grown and when the document unloads. It
 * appends nothing itself: updates are made durable by the Ingest before they
 * are applied. (Catalog entries are created when a writer is admitted to a
 * new id: server/documents.ts `ensureCatalogEntry`.)
 */
export class DocumentStorage implements Extension {
  readonly extensionName = "tandem-document-storage";
  readonly priority = 1000;

  private readonly compacting = new Set<string>();

  constructor(private readonly options: DocumentStorageOptions) {}

  async onLoadDocument({ documentName, document }: onLoadDocumentPayload): Promise<void> {
    const { log, logger } = this.options;
    try {
      const stored = await log.load(documentName);
      if (stored === null) return;
      const skipped = replayUpdates(document, stored.updates, STORAGE_ORIGIN, (error) => {
        // Keep serving what is readable; the raw entry stays in the log for recovery.
        logger.error(
          { component: "document-storage", docId: documentName, err: errorMessage(error) },
          "skipped an unreadable stored update",
        );
      });
      logger.debug(
        {
          component: "document-storage",
          docId: documentName,
          updates: stored.updates.length,
          skipped,
        },
        "document loaded",
      );
    } catch (error) {
      const refused = refusalForStoreError(error);
      if (refused?.reason === "document-deleted") throw refused;
      logger.error(
        { component: "document-storage", docId: documentName, err: errorMessage(error) },
        "document load failed; the client is asked to retry",
      );
      // Hocuspocus then unloads the half-made document; nothing empty is ever stored.
      throw new Refused("document-load-failed", errorMessage(error));
    }
  }

  async afterLoadDocument({ documentName, document }: afterLoadDocumentPayload): Promise<void> {
    // The title lives in the document (so it syncs live) and in the catalog (so lists stay cheap).
    const meta = document.getMap<unknown>(YJS_META_MAP);
    meta.observe((event) => {
      if (!event.keysChanged.has("title")) return;
      const title = meta.get("title");
      if (typeof title !== "string") return;
      this.options.catalog.rename(documentName, normalizeTitle(title)).catch((error: unknown) => {
        this.options.logger.warn(
          { component: "document-storage", docId: documentName, err: errorMessage(error) },
          "could not store the new title",
        );
      });
    });
  }

  /**
   * Every way in appends before it applies, so a change lands here already
   * durable. One that came around the ingest path (a Hocuspocus direct
   * connection's `transact`, say) is appended now (if storage can write;
   * else it is only in memory and in the clients that received it), and
   * logged so the path can be fixed.
   */
  async onChange({ documentName, update, transactionOrigin }: onChangePayload): Promise<void> {
    if (originKind(transactionOrigin) !== "unknown") return;
    this.options.logger.warn(
      { component: "document-storage", docId: documentName },
      "a change bypassed the ingest path; appending it after the fact",
    );
    await this.options.ingest.append(documentName, update).catch(() => undefined);
  }

  async onStoreDocument({ documentName }: onStoreDocumentPayload): Promise<void> {
    // Everything is already durable; the debounced store hook is only a cheap moment to compact.
    const stats = await this.options.log.stats(documentName).catch(() => null);
    if (
      stats &&
      (stats.entries >= this.options.compactLogEntries ||
        stats.bytes >= this.options.compactLogBytes)
    ) {
      await this.compact(documentName);
    }
  }

  async afterUnloadDocument({ documentName }: afterUnloadDocumentPayload): Promise<void> {
    await this.compact(documentName);
  }

  /** Folds the log into the snapshot; failures are logged and leave the log untouched. */
  async compact(documentName: string): Promise<void> {
    // While storage fails, a compaction would read and merge the whole log only to fail.
    if (this.compacting.has(documentName) || !this.options.ingest.writable) return;
    this.compacting.add(documentName);
    try {
      const result = await this.options.log.compact(documentName);
      if (result.merged > 0) {
        this.options.logger.debug(
          { component: "document-storage", docId: documentName, ...result },
          "compacted",
        );
      }
    } catch (error) {
      if (!(error instanceof StoreError && (error.code === "deleted" || error.code === "closed"))) {
        this.options.logger.error(
          { component: "document-storage", docId: documentName, err: errorMessage(error) },
          "compaction failed; the log is kept as it is",
        );
      }
    } finally {
      this.compacting.delete(documentName);
    }
  }
}
