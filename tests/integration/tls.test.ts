import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { get as httpGet } from "node:http";
import { get as httpsGet } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { HocuspocusProvider, HocuspocusProviderWebsocket } from "@hocuspocus/provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { ProviderWebSocket } from "@/server/clients/provider-websocket";
import { startTestServer, type TestServer } from "../helpers/tandem";
import { waitUntil } from "../helpers/wait";

/** A self-signed certificate for 127.0.0.1 and localhost, made with openssl. */
async function selfSignedCertificate(dir: string): Promise<{ cert: string; key: string }> {
  const cert = path.join(dir, "cert.pem");
  const key = path.join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout",
      key,
      "-out",
      cert,
    ],
    { stdio: "pipe" },
  );
  return { cert, key };
}

describe("HTTPS and WSS with TLS_CERT and TLS_KEY", () => {
  let dir: string;
  let server: TestServer;
  let ca: Buffer;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tandem-tls-"));
    const files = await selfSignedCertificate(dir);
    ca = await readFile(files.cert);
    server = await startTestServer({ TLS_CERT: files.cert, TLS_KEY: files.key });
  });
  afterAll(async () => {
    await server.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves the API over HTTPS only", async () => {
    expect(server.url.startsWith("https://")).toBe(true);
    const status = await new Promise<number>((resolve, reject) => {
      httpsGet(`${server.url}/healthz`, { ca }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on("error", reject);
    });
    expect(status).toBe(200);
    // A plain-HTTP request to the TLS port gets no HTTP answer.
    const plain = await new Promise<string>((resolve) => {
      httpGet(`${server.url.replace("https", "http")}/healthz`, (res) => {
        res.resume();
        resolve(`answered ${res.statusCode}`);
      }).on("error", (error) => resolve(error.message));
    });
    expect(plain).not.toMatch(/^answered 200/);
  });

  it("syncs a provider over WSS", async () => {
    class TrustingSocket extends ProviderWebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols, { ca });
      }
    }
    const doc = new Y.Doc();
    const socket = new HocuspocusProviderWebsocket({
      url: server.wsUrl,
      WebSocketPolyfill: TrustingSocket,
      delay: 50,
      minDelay: 50,
      maxDelay: 200,
    });
    const provider = new HocuspocusProvider({
      websocketProvider: socket,
      name: "tls-doc",
      document: doc,
    });
    provider.attach();
    try {
      expect(server.wsUrl.startsWith("wss://")).toBe(true);
      await waitUntil(() => provider.isSynced, "the provider to sync over wss");
      doc.getText("text").insert(0, "encrypted");
      await waitUntil(() => provider.unsyncedChanges === 0, "the edit to be acknowledged");
      const stored = await server.storage.log.load("tls-doc");
      const copy = new Y.Doc();
      for (const update of stored?.updates ?? []) Y.applyUpdate(copy, update);
      expect(copy.getText("text").toString()).toBe("encrypted");
    } finally {
      provider.destroy();
      socket.destroy();
    }
  });

  it("stops start-up with one clear line when a file cannot be read", async () => {
    const error = await startTestServer({
      TLS_CERT: path.join(dir, "missing.pem"),
      TLS_KEY: path.join(dir, "key.pem"),
    }).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/cannot read TLS_CERT=.*missing\.pem: ENOENT/);
  });
});
