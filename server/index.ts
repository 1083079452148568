import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { Hocuspocus } from "@hocuspocus/server";
import { CloseCode, Refusal } from "../lib/protocol/refusals";
import { AccessGate } from "./access/gate";
import { OpenPolicy } from "./access/open-policy";
import type { AccessPolicy } from "./access/policy";
import { policyFromConfig } from "./access/policy-from-config";
import type { Config } from "./config";
import { DocumentService } from "./documents";
import { AccessExtension } from "./extensions/access";
import { DocumentStorage } from "./extensions/document-storage";
import { SocketIngest } from "./extensions/socket-ingest";
import { addDocsApi } from "./http/docs-api";
import { addHealthRoutes } from "./http/health";
import { HttpError, sendError, toHttpError } from "./http/http-kit";
import { changesState, OriginPolicy } from "./http/origins";
import { Router } from "./http/router";
import { addHttpSync } from "./http/sync/add-http-sync";
import { readTlsFiles } from "./http/tls";
import { errorMessage, type Logger } from "./log";
import { runShutdown } from "./shutdown";
import { ConnectionLimits } from "./sockets/connection-limits";
import { hocuspocusDialect } from "./sockets/hocuspocus-dialect";
import { SyncSocket } from "./sockets/sync-socket";
import { UpdatePipeline } from "./sockets/update-pipeline";
import { yWebsocketDialect } from "./sockets/y-websocket-dialect";
import { openStorage } from "./storage/open-storage";
import type { Storage } from "./storage/storage";
import { Ingest } from "./sync/ingest";
import { StorageHealth } from "./sync/storage-health";

export interface WebApp {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
}

export interface TandemServerOptions {
  config: Config;
  log: Logger;
  /** Storage to use instead of the one named by `config.STORAGE` (tests inject wrappers). */
  storage?: Storage;
  /** Who may do what; the open policy (everyone may write everything) by default. */
  policy?: AccessPolicy;
  /**
   * Builds the Next.js app once the port is known; omitted for `--no-web`.
   * `internalOrigin` is where its server components reach the API: the
   * server itself, or with TLS a plain-HTTP listener on loopback (a
   * certificate names the public host, not 127.0.0.1).
   */
  web?: (address: { hostname: string; port: number; internalOrigin: string }) => Promise<WebApp>;
}

export interface TandemServer {
  readonly port: number;
  readonly url: string;
  readonly hocuspocus: Hocuspocus;
  readonly storage: Storage;
  readonly documents: DocumentService;
  readonly storageHealth: StorageHealth;
  /** Ordered, idempotent shutdown: stop accepting, close sockets, flush storage. */
  close(): Promise<void>;
}

const COLLAB_PATH = "/collab";
const YJS_PREFIX = "/yjs/";

/**
 * The composition root: storage, Hocuspocus with its extensions, the HTTP API,
 * the `/collab` WebSocket endpoint and (optionally) Next.js, all on one port.
 */
export async function startTandemServer(options: TandemServerOptions): Promise<TandemServer> {
  const { config, log } = options;
  const tls = await readTlsFiles(config);
  const storage = options.storage ?? (await openStorage(config));
  const storageHealth = new StorageHealth({ check: () => storage.check(), log });
  // Any failed write counts, not only appends: a compaction or a rename may hit a full disk first.
  storage.onWriteFailure((error) => storageHealth.reportFailure(error));
  const ingest = new Ingest({ log: storage.log, health: storageHealth, logger: log });
  const policy = options.policy ?? policyFromConfig(config);
  const gate = new AccessGate(policy, storage.catalog, log);
  const pipeline = new UpdatePipeline({ ingest, log });
  const hocuspocus = new Hocuspocus({
    name: "tandem",
    quiet: true,
    unloadImmediately: true,
    // Send each update as it is applied. The default (0) merges everything applied in one
    // event-loop turn with Y.mergeUpdates, which dominates CPU when one client types fast.
    flushDelay: false,
    extensions: [
      new AccessExtension(gate, storage.catalog, config.MAX_CONNECTIONS_PER_DOCUMENT),
      new DocumentStorage({
        log: storage.log,
        catalog: storage.catalog,
        ingest,
        logger: log,
        compactLogEntries: config.COMPACT_LOG_ENTRIES,
        compactLogBytes: config.COMPACT_LOG_BYTES,
      }),
      new SocketIngest(ingest, log),
      pipeline,
    ],
  });
  const documents = new DocumentService({
    hocuspocus,
    catalog: storage.catalog,
    log: storage.log,
    ingest,
  });
  const collab = new SyncSocket({
    hocuspocus,
    maxMessageBytes: config.MAX_MESSAGE_BYTES,
    pingIntervalMs: config.PING_INTERVAL_MS,
    handshakeTimeoutMs: config.HANDSHAKE_TIMEOUT_MS,
    hasEstablished: (socket) => pipeline.hasEstablished(socket),
    log,
    intercept: (socket, frame, forward) => pipeline.offer(socket, frame, forward),
  });
  const collabDialect = hocuspocusDialect(log);

  let ready = false;
  const router = new Router();
  const metrics = addHealthRoutes(router, {
    isReady: () => ready,
    storage: () => storageHealth.describe(),
    documentsLoaded: () => hocuspocus.getDocumentsCount(),
    connections: () => collab.clientCount,
  });
  addDocsApi(router, documents, gate);
  const httpSync = addHttpSync(router, {
    hocuspocus,
    documents,
    ingest,
    gate,
    log,
    maxMessageBytes: config.MAX_MESSAGE_BYTES,
    metrics,
  });

  const origins = new OriginPolicy(config.ALLOWED_ORIGINS);
  const limits = new ConnectionLimits(config.MAX_CONNECTIONS_PER_IP, config.TRUST_PROXY);
  let web: WebApp | undefined;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    void handleRequest(req, res);
  };
  const httpServer: Server = tls ? createTlsServer(tls, onRequest) : createServer(onRequest);
  let internalServer: Server | undefined;

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    try {
      if (changesState(req.method) && !origins.allows(req)) {
        throw new HttpError(
          403,
          "origin-not-allowed",
          `origin ${req.headers.origin} is not allowed`,
        );
      }
      if (await router.handle(req, res, url)) return;
      if (web && !url.pathname.startsWith("/api/")) {
        await web.handle(req, res);
        return;
      }
      throw new HttpError(404, "route-not-found", `no route for ${req.method} ${url.pathname}`);
    } catch (error) {
      const httpError = toHttpError(error);
      if (httpError.status >= 500) {
        log.error(
          { component: "http", path: url.pathname, err: errorMessage(error) },
          "request failed",
        );
      } else {
        log.info(
          { component: "http", path: url.pathname, status: httpError.status, code: httpError.code },
          "request refused",
        );
      }
      if (res.headersSent) res.destroy();
      else sendError(res, httpError);
    }
  }

  httpServer.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
    const isCollab = pathname === COLLAB_PATH || pathname.startsWith(`${COLLAB_PATH}/`);
    const isYjs = pathname.startsWith(YJS_PREFIX) && pathname.length > YJS_PREFIX.length;
    if (!(isCollab || isYjs)) {
      if (web) web.handleUpgrade(req, socket, head);
      else refuseUpgrade(socket, 404, "Not Found");
      return;
    }
    if (!ready) {
      refuseUpgrade(socket, 503, "Service Unavailable");
      return;
    }
    if (!origins.allows(req)) {
      log.info(
        { component: "sync-socket", origin: req.headers.origin },
        "refused a socket from another origin",
      );
      refuseUpgrade(socket, 403, "Forbidden");
      return;
    }
    const address = limits.addressOf(req);
    if (!limits.admit(address)) {
      log.warn(
        { component: "sync-socket", address },
        "refused a socket: too many from one address",
      );
      refuseUpgrade(socket, 429, "Too Many Requests");
      return;
    }
    // Counted until the socket closes, or now if the upgrade never completes.
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      limits.release(address);
    };
    socket.once("close", release);
    if (isCollab) {
      collab.handleUpgrade(req, socket, head, collabDialect);
    } else {
      // y-websocket puts the room name after the path and its `params` in the query;
      // the access gate checks both when the dialect's Auth frame reaches Hocuspocus.
      const url = new URL(req.url ?? "/", "http://localhost");
      const name = safeDecode(pathname.slice(YJS_PREFIX.length));
      const token = url.searchParams.get("token") ?? "";
      collab.handleUpgrade(req, socket, head, yWebsocketDialect(name, token, log));
    }
  });
  httpServer.on("clientError", (error, socket) => {
    log.debug({ component: "http", err: error.message }, "malformed HTTP request");
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(config.PORT, config.HOST, () => {
      httpServer.off("error", reject);
      resolve();
    });
  });
  const port = (httpServer.address() as AddressInfo).port;
  const localHost = config.HOST === "0.0.0.0" || config.HOST === "::" ? "127.0.0.1" : config.HOST;
  const scheme = tls ? "https" : "http";
  const hostForUrl = localHost.includes(":") ? `[${localHost}]` : localHost;
  if (options.web) {
    try {
      let internalOrigin = `${scheme}://${hostForUrl}:${port}`;
      if (tls) {
        internalServer = createServer(onRequest);
        const internal = internalServer;
        await new Promise<void>((resolve) => internal.listen(0, "127.0.0.1", resolve));
        internalOrigin = `http://127.0.0.1:${(internal.address() as AddressInfo).port}`;
      }
      web = await options.web({ hostname: localHost, port, internalOrigin });
    } catch (error) {
      if (internalServer) await closeQuietly(internalServer);
      await closeQuietly(httpServer);
      storageHealth.close();
      await storage.close();
      throw error;
    }
  }
  ready = true;
  const url = `${scheme}://${hostForUrl}:${port}`;
  log.info(
    {
      component: "server",
      url,
      storage: config.STORAGE,
      access: gate.policyName,
      web: Boolean(web),
    },
    "listening",
  );
  if (policy instanceof OpenPolicy) {
    log.warn(
      { component: "server", access: gate.policyName },
      "ACCESS CONTROL IS OFF: anyone who can reach this port can read, edit and delete every document. Set AUTH_SECRET (or AUTH_JWKS_URL) before exposing it.",
    );
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= runShutdown(log, config.SHUTDOWN_TIMEOUT_MS, [
      [
        "stop accepting",
        async () => {
          ready = false;
          gate.close();
          httpServer.close();
          httpServer.closeIdleConnections();
          internalServer?.close();
          internalServer?.closeIdleConnections();
        },
      ],
      [
        "close sockets",
        async () => {
          collab.closeAll(CloseCode.GoingAway, Refusal.ShuttingDown);
          // HTTP event streams hold their documents loaded; end them so documents can unload.
          await httpSync.close();
          hocuspocus.flushPendingStores();
          await waitFor(() => hocuspocus.getDocumentsCount() === 0 && collab.clientCount === 0);
        },
      ],
      ["stop web app", async () => web?.close()],
      [
        "close storage",
        async () => {
          collab.terminateAll();
          await collab.close();
          httpServer.closeAllConnections();
          internalServer?.closeAllConnections();
          storageHealth.close();
          await storage.close();
        },
      ],
    ]);
    return closing;
  };

  return { port, url, hocuspocus, storage, documents, storageHealth, close };
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

function closeQuietly(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
