import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import type { Duplex } from "node:stream";
import next from "next";
import type { WebApp } from "../index";
import { computeSourceStamp } from "./build-stamp";

const STAMP_FILE = "tandem-build-stamp";

/** Next.js in this process, on the server's own port (custom-server mode). */
export async function createWebApp(options: {
  dev: boolean;
  dir: string;
  hostname: string;
  port: number;
}): Promise<WebApp> {
  const app = next({ ...options, customServer: true, quiet: !options.dev });
  await app.prepare();
  const handle = app.getRequestHandler();
  const upgrade = app.getUpgradeHandler();
  return {
    handle: (req: IncomingMessage, res: ServerResponse) => handle(req, res),
    handleUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      void upgrade(req, socket, head);
    },
    close: () => app.close(),
  };
}

/** Runs `next build` when there is no build or the sources changed since the last one. */
export async function ensureBuild(options: {
  dir: string;
  log: (message: string) => void;
}): Promise<void> {
  const { dir, log } = options;
  const stampPath = path.join(dir, ".next", STAMP_FILE);
  const stamp = await computeSourceStamp(dir);
  const previous = await readFile(stampPath, "utf8").catch(() => null);
  const hasBuild = await readFile(path.join(dir, ".next", "BUILD_ID"), "utf8").then(
    () => true,
    () => false,
  );
  if (hasBuild && previous === stamp) return;
  log(hasBuild ? "web app sources changed; rebuilding" : "building the web app (first start)");
  const started = Date.now();
  await runNextBuild(dir);
  await writeFile(stampPath, stamp);
  log(`web app built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function runNextBuild(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
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
    child.once("error", reject);
    child.once("exit", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`next build failed (exit ${code}); see the output above`));
    });
  });
}
