import { createRemoteJWKSet, errors, type JWTVerifyGetKey, jwtVerify } from "jose";
import { Refused } from "../../lib/protocol/refusals";
import type { AccessPolicy, Permission } from "./policy";
import type { Credentials, Principal } from "./principal";
import { permissionFor, tokenClaimsSchema } from "./roles";

/** Where verification keys come from: a shared secret (HS256), or another system's JWKS. */
type KeySource = Uint8Array | JWTVerifyGetKey;

/** Clock skew tolerated between the token's issuer and this server. */
const CLOCK_TOLERANCE_S = 30;

/**
 * Access by signed tokens (JWTs): who someone is and which documents they may
 * read, write or administer (`roles`, see ./roles.ts) is what a valid token
 * says. Missing, expired, malformed or wrongly signed tokens are refused with
 * their own names, so a client can tell "sign in again" from "you may not".
 */
export class TokenPolicy implements AccessPolicy {
  private constructor(
    readonly name: string,
    private readonly key: KeySource,
    private readonly algorithms: string[],
  ) {}

  /** Tokens signed with AUTH_SECRET (HS256), as `tandem token` mints them. */
  static withSecret(secret: string): TokenPolicy {
    return new TokenPolicy("token (AUTH_SECRET)", new TextEncoder().encode(secret), ["HS256"]);
  }

  /** Tokens signed by another system whose public keys are at `url` (a JWKS, fetched and cached). */
  static withJwks(url: URL): TokenPolicy {
    return new TokenPolicy(`token (JWKS ${url.origin})`, createRemoteJWKSet(url), [
      "RS256",
      "PS256",
      "ES256",
      "EdDSA",
    ]);
  }

  async authenticate({ token }: Credentials): Promise<Principal> {
    if (!token) throw new Refused("token-missing", "this server needs a token");
    const options = { algorithms: this.algorithms, clockTolerance: CLOCK_TOLERANCE_S };
    let payload: unknown;
    try {
      // Two calls for jose's two overloads (a key, or a function that finds one).
      const verified =
        this.key instanceof Uint8Array
          ? await jwtVerify(token, this.key, options)
          : await jwtVerify(token, this.key, options);
      payload = verified.payload;
    } catch (error) {
      throw refusalForTokenError(error);
    }
    const claims = tokenClaimsSchema.safeParse(payload);
    if (!claims.success) {
      const issue = claims.error.issues[0];
      throw new Refused(
        "token-invalid",
        `the token's claims are unusable: ${issue?.path.join(".") ?? ""} ${issue?.message ?? ""}`.trim(),
      );
    }
    const { sub, name, roles } = claims.data;
    return { id: sub, name: name ?? null, kind: "user", roles };
  }

  async permission(principal: Principal, docId: string): Promise<Permission | null> {
    return principal.roles ? permissionFor(principal.roles, docId) : null;
  }
}

function refusalForTokenError(error: unknown): Refused | Error {
  if (error instanceof errors.JWTExpired) {
    return new Refused("token-expired", "the token has expired; get a new one");
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    // The key service is down or answers nonsense: not the client's fault, retry later.
    return error;
  }
  if (error instanceof errors.JOSEError) {
    return new Refused("token-invalid", `the token is not valid here: ${error.message}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}
