import type { Extension, onAuthenticatePayload } from "@hocuspocus/server";
import { Refused } from "../../lib/protocol/refusals";
import type { AccessGate, Admission } from "../access/gate";
import { ensureCatalogEntry } from "../documents";
import type { DocCatalog } from "../storage/doc-catalog";
import { refusalForStoreError } from "../sync/store-refusals";

/** What a socket connection carries in its Hocuspocus context once admitted. */
export interface AccessContext {
  admission: Admission;
}

/**
 * Asks the access gate when a socket (either dialect) opens a document. A
 * principal that may only read gets a read-only connection: Hocuspocus and
 * the update pipeline then never apply, store or relay its updates.
 * Refusals become a permission-denied frame with the refusal's name (the
 * dialects turn retryable ones into a close, so clients reconnect).
 */
export class AccessExtension implements Extension {
  readonly extensionName = "tandem-access";
  // Before anything loads or touches the document.
  readonly priority = 1100;

  constructor(
    private readonly gate: AccessGate,
    private readonly catalog: DocCatalog,
    /** Connections one document may have at once; 0: no limit. */
    private readonly maxConnectionsPerDocument = 0,
  ) {}

  async onAuthenticate({
    token,
    documentName,
    connectionConfig,
    instance,
  }: onAuthenticatePayload): Promise<AccessContext> {
    const admission = await this.gate.admit({ token: token || null }, documentName, "read");
    const open = instance.documents.get(documentName)?.getConnectionsCount() ?? 0;
    if (this.maxConnectionsPerDocument > 0 && open >= this.maxConnectionsPerDocument) {
      throw new Refused(
        "document-full",
        `document ${documentName} has ${open} connections, the most this server allows`,
      );
    }
    connectionConfig.readOnly = admission.permission === "read";
    if (!connectionConfig.readOnly && !admission.listed) {
      await ensureCatalogEntry(this.catalog, documentName).catch((error: unknown) => {
        throw refusalForStoreError(error) ?? error;
      });
    }
    return { admission };
  }
}
