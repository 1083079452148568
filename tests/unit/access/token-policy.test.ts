import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mintToken, parseTtl } from "@/server/access/mint-token";
import { TokenPolicy } from "@/server/access/token-policy";
import { refusalOf } from "../../helpers/refusals";

const SECRET = "a-test-secret-that-is-long-enough-0123456789";

describe("TokenPolicy with AUTH_SECRET", () => {
  const policy = TokenPolicy.withSecret(SECRET);

  it("takes who the principal is and what it may do from a valid token", async () => {
    const token = await mintToken(SECRET, {
      user: "u-1",
      name: "Ada",
      roles: { "doc-a": "read", "doc-b": "admin" },
      ttlSeconds: 60,
    });
    const principal = await policy.authenticate({ token });
    expect(principal).toMatchObject({ id: "u-1", name: "Ada", kind: "user" });
    expect(await policy.permission(principal, "doc-a")).toBe("read");
    expect(await policy.permission(principal, "doc-b")).toBe("write");
    expect(await policy.permission(principal, "doc-c")).toBeNull();
    const everywhere = await policy.authenticate({
      token: await mintToken(SECRET, {
        user: "u-2",
        roles: { "*": "write", x: "read" },
        ttlSeconds: 60,
      }),
    });
    expect(await policy.permission(everywhere, "anything")).toBe("write");
    // A document's own grant wins over the all-documents one.
    expect(await policy.permission(everywhere, "x")).toBe("read");
  });

  it("refuses missing, expired, malformed, wrongly signed and claim-less tokens by name", async () => {
    expect(await refusalOf(policy.authenticate({ token: null }))).toBe("token-missing");
    expect(await refusalOf(policy.authenticate({ token: "" }))).toBe("token-missing");
    const expired = await new SignJWT({ roles: { "*": "write" } })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("u")
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode(SECRET));
    expect(await refusalOf(policy.authenticate({ token: expired }))).toBe("token-expired");
    expect(await refusalOf(policy.authenticate({ token: "not.a.jwt" }))).toBe("token-invalid");
    const otherSecret = await mintToken(`${SECRET}-other`, {
      user: "u",
      roles: { "*": "write" },
      ttlSeconds: 60,
    });
    expect(await refusalOf(policy.authenticate({ token: otherSecret }))).toBe("token-invalid");
    const noRoles = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("u")
      .setExpirationTime("1h")
      .sign(new TextEncoder().encode(SECRET));
    expect(await refusalOf(policy.authenticate({ token: noRoles }))).toBe("token-invalid");
    const unsigned = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from('{"sub":"u","roles":{"*":"admin"}}').toString("base64url")}.`;
    expect(await refusalOf(policy.authenticate({ token: unsigned }))).toBe("token-invalid");
  });

  it("reads token lifetimes as people write them", () => {
    expect(parseTtl("30d")).toBe(30 * 86_400);
    expect(parseTtl("12h")).toBe(12 * 3600);
    expect(parseTtl("15m")).toBe(900);
    expect(parseTtl("90")).toBe(90);
    expect(parseTtl("0d")).toBeNull();
    expect(parseTtl("soon")).toBeNull();
  });
});

describe("TokenPolicy with AUTH_JWKS_URL (another system signs the tokens)", () => {
  let jwks: Server;
  let url: URL;
  let sign: (claims: Record<string, unknown>) => Promise<string>;
  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    jwks = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    url = new URL(`http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`);
    sign = (claims) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setSubject("app-user")
        .setExpirationTime("1h")
        .sign(privateKey);
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => jwks.close(() => resolve()));
  });

  it("accepts tokens signed by the published key and refuses others", async () => {
    const policy = TokenPolicy.withJwks(url);
    const principal = await policy.authenticate({
      token: await sign({ name: "From the app", roles: { "doc-1": "write" } }),
    });
    expect(principal).toMatchObject({ id: "app-user", name: "From the app" });
    expect(await policy.permission(principal, "doc-1")).toBe("write");
    const hs = await mintToken(SECRET, { user: "u", roles: { "*": "write" }, ttlSeconds: 60 });
    expect(await refusalOf(policy.authenticate({ token: hs }))).toBe("token-invalid");
  });
});
