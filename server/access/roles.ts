import { z } from "zod";
import type { Permission } from "./policy";

/** A principal's role on a document, as tokens carry it. Each includes the ones before it. */
export const ROLES = ["read", "write", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Roles by document id; "*" is every document. */
export type RoleGrants = Readonly<Record<string, Role>>;

/** The key of a grant that covers every document. */
export const ALL_DOCUMENTS = "*";

/**
 * The claims a Tandem token carries (a JWT): `sub` the user id, `name` the
 * display name, `roles` the grants. Another application's backend can mint
 * the same claims and sign them with its own key (AUTH_JWKS_URL).
 */
export const tokenClaimsSchema = z.object({
  sub: z.string().min(1).max(200),
  name: z.string().min(1).max(200).optional(),
  roles: z.record(z.string().min(1).max(128), z.enum(ROLES)),
});

export type TokenClaims = z.infer<typeof tokenClaimsSchema>;

/** What `grants` allow on `docId`: the document's own grant, else the all-documents one. */
export function permissionFor(grants: RoleGrants, docId: string): Permission | null {
  const role = grants[docId] ?? grants[ALL_DOCUMENTS];
  if (role === undefined) return null;
  // Admin rights (sharing, deleting) are checked where those actions live; for the document
  // itself an admin writes.
  return role === "read" ? "read" : "write";
}
