import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { Hocuspocus } from "@hocuspocus/server";
import type { Config } from "./config";
import { DocumentService } from "./documents";
import { DocumentAccess } from "./extensions/document-access";
import { Persistence } from "./extensions/persistence";
import { addDocsApi } from "./http/docs-api";
import { addFallbackSync } from "./http/fallback-sync";
import { addHealthRoutes } from "./http/health";
import { HttpError, sendError } from "./http/http-kit";
import { Router } from "./http/router";
import type { Logger } from "./log";
import { errorMessage } from "./protocol/hocuspocus-frame";
import { runShutdown } from "./shutdown";
import { hocuspocusDialect } from "./sockets/hocuspocus-dialect";
import { CloseCode, SyncSocket } from "./sockets/sync-socket";
import { UpdatePipeline } from "./sockets/update-pipeline";
import { yWebsocketDialect } from "./sockets/y-websocket-dialect";
import type { DocStore } from "./storage/doc-store";
import { StoreError } from "./storage/doc-store";
import { LevelDbStore } from "./storage/leveldb-store";
import { MemoryStore } from "./storage/memory-store";

export interface WebApp {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
}

export interface TandemServerOptions {
  config: Config;
  log: Logger;
  /** Storage to use instead of the one named by `config.STORAGE` (tests inject wrappers). */
  store?: DocStore;
  /** Builds the Next.js app once the port is known; omitted for `--no-web`. */
  web?: (address: { hostname: string; port: number }) => Promise<WebApp>;
}

export interface TandemServer {
  readonly port: number;
  readonly url: string;
  readonly hocuspocus: Hocuspocus;
  readonly store: DocStore;
  readonly documents: DocumentService;
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
  const store = options.store ?? (await openStore(config));
  const persistence = new Persistence({
    store,
    log,
    compactLogEntries: config.COMPACT_LOG_ENTRIES,
    compactLogBytes: config.COMPACT_LOG_BYTES,
  });
  const access = new DocumentAccess(store, log);
  const pipeline = new UpdatePipeline({
    append: (documentName, update) => persistence.appendUpdate(documentName, update),
    log,
  });
  const extensions = [access, persistence, pipeline];
  pipeline.checkHooks(extensions, persistence);
  const hocuspocus = new Hocuspocus({
    name: "tandem",
    quiet: true,
    unloadImmediately: true,
    // Send each update as it is applied. The default (0) merges everything applied in one
    // event-loop turn with Y.mergeUpdates, which dominates CPU when one client types fast.
    flushDelay: false,
    extensions,
  });
  const documents = new DocumentService(hocuspocus, store, persistence);
  const collab = new SyncSocket({
    hocuspocus,
    maxMessageBytes: config.MAX_MESSAGE_BYTES,
    log,
    intercept: (socket, frame, forward) => pipeline.offer(socket, frame, forward),
    onFrame: (socket, frame) => persistence.prefetch(socket, frame),
  });
  const collabDialect = hocuspocusDialect(log);

  let ready = false;
  const router = new Router();
  const metrics = addHealthRoutes(router, {
    isReady: () => ready,
    documentsLoaded: () => hocuspocus.getDocumentsCount(),
    connections: () => collab.clientCount,
  });
  addDocsApi(router, documents);
  const fallback = addFallbackSync(router, {
    hocuspocus,
    store,
    documents,
    log,
    maxMessageBytes: config.MAX_MESSAGE_BYTES,
    isAccepting: () => ready,
    metrics,
  });

  let web: WebApp | undefined;
  const httpServer = createServer((req, res) => {
    void handleRequest(req, res);
  });

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    try {
      if (await router.handle(req, res, url)) return;
      if (web && !url.pathname.startsWith("/api/")) {
        await web.handle(req, res);
        return;
      }
      throw new HttpError(404, "not-found", `no route for ${req.method} ${url.pathname}`);
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
    if ((isCollab || isYjs) && !ready) {
      refuseUpgrade(socket, 503, "Service Unavailable");
    } else if (isCollab) {
      collab.handleUpgrade(req, socket, head, collabDialect);
    } else if (isYjs) {
      // y-websocket puts the room name after the path; the id rule is checked by DocumentAccess.
      const name = safeDecode(pathname.slice(YJS_PREFIX.length));
      collab.handleUpgrade(req, socket, head, yWebsocketDialect(name, log));
    } else if (web) {
      web.handleUpgrade(req, socket, head);
    } else {
      refuseUpgrade(socket, 404, "Not Found");
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
  if (options.web) {
    try {
      web = await options.web({ hostname: localHost, port });
    } catch (error) {
      await closeQuietly(httpServer);
      await store.close();
      throw error;
    }
  }
  ready = true;
  const url = `http://${localHost.includes(":") ? `[${localHost}]` : localHost}:${port}`;
  log.info({ component: "server", url, storage: config.STORAGE, web: Boolean(web) }, "listening");

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= runShutdown(log, config.SHUTDOWN_TIMEOUT_MS, [
      [
        "stop accepting",
        async () => {
          ready = false;
          access.refuseNewConnections();
          httpServer.close();
          httpServer.closeIdleConnections();
        },
      ],
      [
        "close sockets",
        async () => {
          collab.closeAll(CloseCode.GoingAway, "server shutting down");
          // HTTP event streams hold their documents loaded; end them so documents can unload.
          await fallback.close();
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
          await store.close();
        },
      ],
    ]);
    return closing;
  };

  return { port, url, hocuspocus, store, documents, close };
}

async function openStore(config: Config): Promise<DocStore> {
  if (config.STORAGE === "memory") return new MemoryStore();
  return LevelDbStore.open({ dir: config.DATA_DIR, syncWrites: config.SYNC_WRITES });
}

function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof StoreError) {
    const status = {
      "not-found": 404,
      deleted: 410,
      exists: 409,
      corrupt: 500,
      closed: 503,
      unavailable: 503,
    }[error.code];
    return new HttpError(status, error.code, error.message);
  }
  return new HttpError(500, "internal", "internal server error");
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
