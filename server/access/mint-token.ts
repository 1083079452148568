import { SignJWT } from "jose";
import type { RoleGrants } from "./roles";

export interface TokenRequest {
  user: string;
  name?: string;
  roles: RoleGrants;
  /** Lifetime in seconds. */
  ttlSeconds: number;
}

/** A Tandem token (HS256 JWT) for `request`, signed with AUTH_SECRET; TokenPolicy verifies it. */
export async function mintToken(secret: string, request: TokenRequest): Promise<string> {
  const claims: Record<string, unknown> = { roles: request.roles };
  if (request.name) claims.name = request.name;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(request.user)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + request.ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** "30d", "12h", "15m", "90s" (or plain seconds) as seconds; null when unreadable. */
export function parseTtl(text: string): number | null {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) return null;
  const seconds = Number(match[1]) * (UNITS[match[2] || "s"] ?? 1);
  return seconds > 0 && Number.isSafeInteger(seconds) ? seconds : null;
}
