import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import type { Duplex } from "node:stream";
import next from "next";
import type { WebApp } from "../index";
import { withBuildLock } from "./build-lock";
import {
  checkBuild,
  computeSourceStamp,
  hasBuild,
  removeBuildStamp,
  writeBuildStamp,
} from "./build-stamp";

/** Upgrade paths Next.js answers itself: the dev server's hot-reload socket (`/_next/hmr`). */
const NEXT_UPGRADE_PREFIX = "/_next/";

/**
 * Next.js in this process, on the server's own port (custom-server mode).
 *
 * Upgrades stay ours: Next's custom server attaches its own `upgrade` listener
 * to `req.socket.server` on the first request, which would make it see every
 * `/collab` and `/yjs` socket too. Handing it a server that never listens as
 * `httpServer` gives that listener somewhere harmless to live, and
 * `handleUpgrade` forwards only the dev hot-reload socket to it. (Next 16's
 * `getUpgradeHandler()` does nothing for the App Router, so it is not used.)
 *
 * @throws Error in production mode when `dir` has no build (see {@link ensureBuild}).
 */
export async function createWebApp(options: {
  dev: boolean;
  dir: string;
  hostname: string;
  port: number;
}): Promise<WebApp> {
  const { dev, dir } = options;
  if (!dev && !(await hasBuild(dir))) {
    throw new Error(
      `no web app build in ${path.join(dir, ".next")}: run \`npm run build\` first, ` +
        "or start with `tandem serve`, which builds when the sources changed",
    );
  }
  const upgradeSink = createServer();
  const app = next({ ...options, httpServer: upgradeSink, quiet: !dev });
  await app.prepare();
  const handle = app.getRequestHandler();
  return {
    handle: (req: IncomingMessage, res: ServerResponse) => handle(req, res),
    handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const wanted = dev && (req.url ?? "").startsWith(NEXT_UPGRADE_PREFIX);
      // Next attaches its listener on its first page request; a hot-reload client retries.
      if (wanted && upgradeSink.listenerCount("upgrade") > 0) {
        upgradeSink.emit("upgrade", req, socket, head);
      } else {
        refuse(socket, wanted ? "503 Service Unavailable" : "404 Not Found");
      }
    },
    close: async () => {
      await app.close();
      upgradeSink.removeAllListeners("upgrade");
    },
  };
}

/**
 * Runs `next build` when there is no build or the sources changed since the
 * last one (content hash of `WEB_SOURCES`, kept in `.next/tandem-build-stamp`).
 *
 * @throws Error when the build fails; its output has gone to stderr.
 */
export async function ensureBuild(options: {
  dir: string;
  log: (message: string) => void;
}): Promise<void> {
  const { dir, log } = options;
  const stamp = await computeSourceStamp(dir);
  if ((await checkBuild(dir, stamp)) === "current") {
    log("web app build is up to date");
    return;
  }
  await withBuildLock(dir, async () => {
    // Whoever held the lock before us may have just built these very sources.
    const state = await checkBuild(dir, stamp);
    if (state === "current") {
      log("web app was built by another process");
      return;
    }
    log(
      state === "missing"
        ? "building the web app (first start)"
        : "web app sources changed; rebuilding",
    );
    const started = Date.now();
    await removeBuildStamp(dir);
    await runNextBuild(dir);
    await writeBuildStamp(dir, stamp);
    log(`web app built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
}

function runNextBuild(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // Next's script, run by this process's Node (the pinned v24), not whatever `node` is on PATH.
    const child = spawn(
      process.execPath,
      [path.join(dir, "node_modules/next/dist/bin/next"), "build"],
      {
        cwd: dir,
        env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
        // Build output goes to stderr so stdout stays JSON log lines.
        stdio: ["ignore", process.stderr, process.stderr],
      },
    );
    child.once("error", (error) => {
      reject(new Error(`could not run next build: ${error.message}`));
    });
    child.once("exit", (code, signal) => {
      if (code === 0) resolve();
      else {
        const how = signal ? `killed by ${signal}` : `exit code ${code}`;
        reject(new Error(`next build failed (${how}); its output is above`));
      }
    });
  });
}

/** Answers an upgrade with a plain HTTP status and closes the socket, so it never hangs open. */
function refuse(socket: Duplex, status: string): void {
  socket.on("error", () => socket.destroy());
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`, () =>
    socket.destroy(),
  );
}
