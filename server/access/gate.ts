import { DOC_ID_RULE, isValidDocId } from "../../lib/doc-id";
import { Refused } from "../../lib/protocol/refusals";
import { errorMessage, type Logger } from "../log";
import type { DocCatalog } from "../storage/doc-catalog";
import { refusalForStoreError } from "../sync/store-refusals";
import type { AccessPolicy, Permission } from "./policy";
import type { Credentials, Principal } from "./principal";

export interface Admission {
  principal: Principal;
  /** What the principal may do; a socket admitted with "read" is a read-only connection. */
  permission: Permission;
  /** The catalog lists the document (false: nobody has written to this id yet). */
  listed: boolean;
}

/**
 * The one access gate. Sockets of both dialects (on connect), the HTTP API
 * and the HTTP sync endpoints (on every request) ask it before they touch a
 * document. It refuses, in this order: new work while shutting down, ids
 * outside the id rule, credentials the policy rejects, documents the
 * principal may not read (or write, when writing is needed), and deleted
 * documents. Every refusal is a Refused with one name for all transports.
 */
export class AccessGate {
  private closing = false;

  constructor(
    private readonly policy: AccessPolicy,
    private readonly catalog: DocCatalog,
    private readonly log: Logger,
  ) {}

  get policyName(): string {
    return this.policy.name;
  }

  /** Shutdown: every later request is refused as "shutting-down" (a retryable refusal). */
  close(): void {
    this.closing = true;
  }

  /** Who presents these credentials; for requests that name no document (the list). */
  async identify(credentials: Credentials): Promise<Principal> {
    if (this.closing) throw new Refused("shutting-down", "the server is shutting down");
    return this.asRefusal(() => this.policy.authenticate(credentials));
  }

  /** Admits `credentials` to `docId` for at least `need`, or throws Refused. */
  async admit(credentials: Credentials, docId: string, need: Permission): Promise<Admission> {
    if (this.closing) throw new Refused("shutting-down", "the server is shutting down");
    if (!isValidDocId(docId)) {
      this.log.info(
        { component: "access", docName: docId.slice(0, 200) },
        "refused an invalid document id",
      );
      throw new Refused("invalid-document-id", `document id must be ${DOC_ID_RULE}`);
    }
    const principal = await this.asRefusal(() => this.policy.authenticate(credentials));
    const permission = await this.asRefusal(() => this.policy.permission(principal, docId));
    if (permission === null) {
      this.log.info({ component: "access", docId, principal: principal.id }, "refused: no access");
      throw new Refused("forbidden", `no access to document ${docId}`);
    }
    if (need === "write" && permission === "read") {
      throw new Refused("read-only", `document ${docId} is read-only for you`);
    }
    // One read for a listed document (a deleted one is no longer listed); a second only for the rest.
    const listed = (await this.asRefusal(() => this.catalog.get(docId))) !== null;
    if (!listed && (await this.asRefusal(() => this.catalog.isDeleted(docId)))) {
      this.log.info({ component: "access", docId }, "refused a deleted document");
      throw new Refused("document-deleted", `document ${docId} was deleted`);
    }
    return { principal, permission, listed };
  }

  /**
   * A failure to decide (storage cannot be read, a policy's key service is
   * down) is a retryable refusal, never a final one: a client refused for
   * good would drop its unsent edits' chance to sync.
   */
  private async asRefusal<T>(decide: () => Promise<T>): Promise<T> {
    try {
      return await decide();
    } catch (error) {
      if (error instanceof Refused) throw error;
      this.log.warn(
        { component: "access", err: errorMessage(error) },
        "could not decide on access; the client is asked to retry",
      );
      throw (
        refusalForStoreError(error) ??
        new Refused("server-unavailable", `cannot decide on access now: ${errorMessage(error)}`)
      );
    }
  }

  /** The documents of `all` the principal may read. */
  async visible<T extends { id: string }>(principal: Principal, all: readonly T[]): Promise<T[]> {
    const allowed = await Promise.all(
      all.map(async (doc) => (await this.policy.permission(principal, doc.id)) !== null),
    );
    return all.filter((_, index) => allowed[index]);
  }
}
