import type { Credentials, Principal } from "./principal";

/** What a principal may do with one document. Writing includes reading. */
export type Permission = "read" | "write";

/**
 * The question every transport asks through the AccessGate: who is this, and
 * may they read or write this document. A policy throws Refused (for example
 * "forbidden" for a bad token) from `authenticate`, and answers null from
 * `permission` for a document the principal may not see at all.
 */
export interface AccessPolicy {
  readonly name: string;
  authenticate(credentials: Credentials): Promise<Principal>;
  permission(principal: Principal, docId: string): Promise<Permission | null>;
}
