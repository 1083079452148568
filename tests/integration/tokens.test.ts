import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { CloseCode, Refusal } from "@/lib/protocol/refusals";
import { mintToken } from "@/server/access/mint-token";
import { connectClient, type TestClient, waitAcknowledged, waitSynced } from "../helpers/clients";
import { startTestServer, type TestServer } from "../helpers/tandem";
import { waitUntil } from "../helpers/wait";

const SECRET = "integration-secret-0123456789-abcdefghijklmnop";
const run = promisify(execFile);
const PROJECT_DIR = path.resolve(import.meta.dirname, "../..");

function token(roles: Record<string, "read" | "write" | "admin">, ttlSeconds = 600) {
  return mintToken(SECRET, { user: "u-1", name: "Ada", roles, ttlSeconds });
}

describe("signed tokens (AUTH_SECRET) on every transport", () => {
  let server: TestServer;
  const clients: TestClient[] = [];
  const yClients: WebsocketProvider[] = [];
  beforeAll(async () => {
    server = await startTestServer({ AUTH_SECRET: SECRET });
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    for (const provider of yClients) {
      provider.destroy();
      provider.doc.destroy();
    }
    await server.dispose();
  });

  function refusalsOf(client: TestClient): string[] {
    const reasons: string[] = [];
    client.provider.on("authenticationFailed", ({ reason }: { reason: string }) =>
      reasons.push(reason),
    );
    return reasons;
  }

  it("lets a socket with a valid token edit, and refuses one without or with a bad one by name", async () => {
    const writer = connectClient(server.wsUrl, "tok-doc", { token: await token({ "*": "write" }) });
    clients.push(writer);
    await waitSynced(writer);
    writer.text.insert(0, "signed in");
    await waitAcknowledged(writer);

    for (const [bad, reason] of [
      [undefined, Refusal.TokenMissing],
      ["garbage", Refusal.TokenInvalid],
    ] as const) {
      const client = connectClient(server.wsUrl, "tok-doc", bad ? { token: bad } : {});
      clients.push(client);
      const reasons = refusalsOf(client);
      await waitUntil(() => reasons.length > 0, `the refusal ${reason}`);
      expect(reasons[0]).toBe(reason);
    }
    const stranger = connectClient(server.wsUrl, "tok-doc", {
      token: await token({ "other-doc": "write" }),
    });
    clients.push(stranger);
    const reasons = refusalsOf(stranger);
    await waitUntil(() => reasons.length > 0, "the refusal of a token for another document");
    expect(reasons[0]).toBe(Refusal.Forbidden);
    expect(writer.text.toString()).toBe("signed in");
  });

  it("takes the y-websocket token from the URL and closes without one as unauthorized", async () => {
    const url = `${server.url.replace("http", "ws")}/yjs`;
    const options = {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      maxBackoffTime: 200,
    };
    const signed = new WebsocketProvider(url, "tok-doc", new Y.Doc(), {
      ...options,
      params: { token: await token({ "tok-doc": "read" }) },
    });
    const anonymous = new WebsocketProvider(url, "tok-doc", new Y.Doc(), options);
    yClients.push(signed, anonymous);
    const codes: number[] = [];
    anonymous.on("connection-close", (event) => {
      if (event) codes.push(event.code);
    });
    await waitUntil(() => signed.synced, "the signed y-websocket client to sync");
    expect(signed.doc.getText("text").toString()).toBe("signed in");
    await waitUntil(() => codes.length > 0, "the anonymous client to be closed");
    expect(codes[0]).toBe(CloseCode.Unauthorized);
    expect(anonymous.shouldConnect).toBe(false);
  });

  it("answers HTTP calls without a valid token with 401 and the reason, and checks roles", async () => {
    const call = (path: string, bearer?: string, init: RequestInit = {}) =>
      fetch(`${server.url}${path}`, {
        ...init,
        headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...init.headers },
      });
    const code = async (response: Response) =>
      ((await response.json()) as { error: { code: string } }).error.code;

    const missing = await call("/api/docs");
    expect(missing.status).toBe(401);
    expect(await code(missing)).toBe(Refusal.TokenMissing);
    // Expired beyond the server's 30 s clock tolerance.
    const expiredToken = await new SignJWT({ roles: { "*": "write" } })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("u")
      .setExpirationTime(Math.floor(Date.now() / 1000) - 120)
      .sign(new TextEncoder().encode(SECRET));
    const expired = await call("/api/docs/tok-doc/state", expiredToken);
    expect(expired.status).toBe(401);
    expect(await code(expired)).toBe(Refusal.TokenExpired);

    const reader = await token({ "tok-doc": "read" });
    expect((await call("/api/docs/tok-doc/state", reader)).status).toBe(200);
    const post = await call("/api/docs/tok-doc/updates", reader, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: new Uint8Array(Y.encodeStateAsUpdate(new Y.Doc())),
    });
    expect(post.status).toBe(403);
    expect(await code(post)).toBe(Refusal.ReadOnly);
    const list = await call("/api/docs", reader);
    expect(((await list.json()) as { docs: Array<{ id: string }> }).docs.map((d) => d.id)).toEqual([
      "tok-doc",
    ]);
  });

  it("accepts a token minted by `tandem token`", async () => {
    const { stdout } = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "server/cli/main.ts",
        "token",
        "--user",
        "cli-user",
        "--name",
        "From the CLI",
        "--role",
        "write",
        "--doc",
        "tok-doc",
        "--ttl",
        "1h",
      ],
      { cwd: PROJECT_DIR, env: { ...process.env, AUTH_SECRET: SECRET } },
    );
    const minted = stdout.trim();
    expect(minted.split(".")).toHaveLength(3);
    const client = connectClient(server.wsUrl, "tok-doc", { token: minted });
    clients.push(client);
    await waitSynced(client);
    client.text.insert(0, "cli ");
    await waitAcknowledged(client);
    const failed = await run(process.execPath, ["--import", "tsx", "server/cli/main.ts", "token"], {
      cwd: PROJECT_DIR,
      env: { ...process.env, AUTH_SECRET: SECRET },
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 2 });
    expect((failed as { stderr: string }).stderr).toMatch(/--user is required/);
  });
});
