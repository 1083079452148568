import type { Extension, onConnectPayload } from "@hocuspocus/server";
import { isValidDocId } from "../../lib/doc-id";
import type { Logger } from "../log";
import type { DocStore } from "../storage/doc-store";

/**
 * Thrown from `onConnect`; Hocuspocus answers with a permission-denied message
 * carrying `reason`, which the provider surfaces as `authenticationFailed`.
 */
export class AccessDenied extends Error {
  constructor(readonly reason: "invalid-document-name" | "document-deleted" | "shutting-down") {
    super(reason);
    this.name = "AccessDenied";
  }
}

/** Refuses document names outside the id rule, deleted documents, and new work during shutdown. */
export class DocumentAccess implements Extension {
  readonly extensionName = "tandem-document-access";
  readonly priority = 1100;
  private closing = false;

  constructor(
    private readonly store: DocStore,
    private readonly log: Logger,
  ) {}

  /** Called at shutdown: later connections are refused instead of loading documents. */
  refuseNewConnections(): void {
    this.closing = true;
  }

  async onConnect({ documentName, socketId }: onConnectPayload): Promise<void> {
    if (this.closing) throw new AccessDenied("shutting-down");
    if (!isValidDocId(documentName)) {
      this.log.warn(
        { component: "access", socketId, docName: documentName.slice(0, 200) },
        "refused an invalid document name",
      );
      throw new AccessDenied("invalid-document-name");
    }
    if (await this.store.isDeleted(documentName)) {
      this.log.info(
        { component: "access", socketId, docId: documentName },
        "refused a deleted document",
      );
      throw new AccessDenied("document-deleted");
    }
  }
}
