import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { NODE_FLAGS } from "../../bin/node-flags.mjs";
import { PROJECT_DIR } from "../paths";

export type ServerKind = "tandem" | "hocuspocus" | "hocuspocus-tuned" | "y-websocket";
export type Protocol = "hocuspocus" | "y-websocket";

export const SERVER_KINDS: readonly ServerKind[] = [
  "tandem",
  "hocuspocus",
  "hocuspocus-tuned",
  "y-websocket",
];

export const SERVER_LABELS: Record<ServerKind, string> = {
  tandem:
    process.env.BENCH_TANDEM_CLIENTS === "y-websocket"
      ? "Tandem (durable), driven by y-websocket clients at /yjs"
      : "Tandem (durable)",
  hocuspocus: "Hocuspocus 4.7 defaults",
  "hocuspocus-tuned": "Hocuspocus 4.7 flushDelay:false",
  "y-websocket": "@y/websocket-server 0.1.1",
};

/** What a client process needs to reach a server. */
export interface ServerTarget {
  kind: ServerKind;
  protocol: Protocol;
  /** Base WebSocket URL: HocuspocusProvider connects to it, y-websocket appends `/<room>`. */
  wsUrl: string;
  httpUrl: string;
}

export interface Probe {
  cpuMicros: number;
  rssBytes: number;
  /** V8 heap in use, and memory outside it held by JS objects (Buffers): where RSS went. */
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
}

export interface HeapSpace {
  name: string;
  size: number;
  used: number;
}

export interface RunningServer {
  readonly target: ServerTarget;
  readonly pid: number;
  /** CPU time and RSS of the server process alone. */
  probe(): Promise<Probe>;
  /** Writes a V8 heap snapshot of the server (into BENCH_HEAP_SNAPSHOT) and returns its path. */
  heapSnapshot(): Promise<string>;
  /** V8's heap spaces (where reserved heap went). */
  heapSpaces(): Promise<HeapSpace[]>;
  /** Stops the process and waits for it; SIGTERM first so Tandem flushes and compacts. */
  stop(): Promise<void>;
  /** Stops and starts it again on the same port and data (Tandem's cold loads). */
  restart(): Promise<void>;
  /** Stops it and removes its data directory. */
  dispose(): Promise<void>;
}

const LOADER = ["--import", "tsx", "--import", "./bench/servers/probe.ts"];

/**
 * Starts one server in its own process on loopback. Every kind runs under the
 * same runtime and loader, so startup differences never reach the figures.
 */
export async function launchServer(kind: ServerKind): Promise<RunningServer> {
  const port = await freePort();
  const dataDir =
    kind === "tandem" ? await mkdtemp(path.join(tmpdir(), "tandem-bench-")) : undefined;
  const target: ServerTarget = {
    kind,
    protocol: kind === "y-websocket" ? "y-websocket" : "hocuspocus",
    wsUrl: kind === "tandem" ? `ws://127.0.0.1:${port}/collab` : `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
  };
  // BENCH_TANDEM_CLIENTS=y-websocket: Tandem is driven by the same WebsocketProvider
  // clients as the y-websocket server (its `/yjs/<id>` endpoint), so a comparison
  // with y-ws measures the servers and not the two client libraries.
  if (kind === "tandem" && tandemClients() === "y-websocket") {
    target.protocol = "y-websocket";
    target.wsUrl = `ws://127.0.0.1:${port}/yjs`;
  }
  const readyPath = kind === "tandem" ? "/readyz" : "/";

  let child = await start();

  async function start(): Promise<ChildProcess> {
    const [script, env] = commandFor(kind, port, dataDir);
    // BENCH_CPU_PROF=<dir>: each server writes a V8 CPU profile there when it stops.
    const profile = process.env.BENCH_CPU_PROF
      ? [
          "--cpu-prof",
          `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`,
          `--cpu-prof-name=${kind}-${Date.now()}.cpuprofile`,
        ]
      : [];
    // Tandem runs with the V8 flags its launcher (bin/tandem.mjs) gives it, unless an
    // experiment replaces them (BENCH_TANDEM_NODE_FLAGS="--max-semi-space-size=16").
    const override = process.env.BENCH_TANDEM_NODE_FLAGS?.split(" ").filter(Boolean);
    const flags = kind === "tandem" ? (override ?? NODE_FLAGS) : [];
    const process_ = spawn(process.execPath, [...profile, ...flags, ...LOADER, ...script], {
      cwd: PROJECT_DIR,
      env: { ...process.env, ...env },
      // Start-up banners would interleave with the report; errors still show.
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    await waitListening(`${target.httpUrl}${readyPath}`, process_);
    return process_;
  }

  async function stop(): Promise<void> {
    const current = child;
    if (current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once("exit", () => resolve()));
    current.kill("SIGTERM");
    const timer = setTimeout(() => current.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  }

  return {
    target,
    get pid() {
      return child.pid ?? -1;
    },
    probe: () => probe(child),
    heapSnapshot: async () => {
      const { snapshot } = (await ask(child, "heap-snapshot", "snapshot")) as { snapshot: string };
      return snapshot;
    },
    heapSpaces: async () => {
      const { spaces } = (await ask(child, "heap-spaces", "spaces")) as { spaces: HeapSpace[] };
      return spaces;
    },
    stop,
    async restart() {
      await stop();
      child = await start();
    },
    async dispose() {
      await stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function commandFor(
  kind: ServerKind,
  port: number,
  dataDir: string | undefined,
): [string[], Record<string, string>] {
  const common = { PORT: String(port), HOST: "127.0.0.1" };
  switch (kind) {
    case "tandem":
      return [
        ["server/cli/main.ts", "serve", "--no-web"],
        {
          ...common,
          DATA_DIR: dataDir ?? "",
          SYNC_WRITES: "true",
          STORAGE: "leveldb",
          LOG_LEVEL: "warn",
          // Every benchmark client comes from 127.0.0.1: the per-address socket limit, a
          // defence against one client exhausting the server, would refuse scenario (d)'s 2,000.
          MAX_CONNECTIONS_PER_IP: "0",
          // Experiments only (BENCH_TANDEM_ENV="SYNC_WRITES=false"); never in published figures.
          ...Object.fromEntries(
            (process.env.BENCH_TANDEM_ENV ?? "")
              .split(" ")
              .filter((pair) => pair.includes("="))
              .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
          ),
        },
      ];
    case "hocuspocus":
      return [["bench/servers/hocuspocus-stock.ts"], common];
    case "hocuspocus-tuned":
      return [["bench/servers/hocuspocus-stock.ts"], { ...common, BENCH_FLUSH_DELAY: "false" }];
    case "y-websocket":
      // The package's own server script, unchanged.
      return [["node_modules/@y/websocket-server/src/server.js"], common];
  }
}

function tandemClients(): Protocol {
  const value = process.env.BENCH_TANDEM_CLIENTS ?? "hocuspocus";
  if (value !== "hocuspocus" && value !== "y-websocket") {
    throw new Error(`BENCH_TANDEM_CLIENTS must be hocuspocus or y-websocket, not ${value}`);
  }
  return value;
}

/** Sends `message` to the server's probe and resolves with the first answer carrying `key`. */
function ask(child: ChildProcess, message: string, key: string): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (answer: unknown) => {
      if (typeof answer !== "object" || answer === null || !(key in answer)) return;
      child.off("message", onMessage);
      resolve(answer);
    };
    child.on("message", onMessage);
    child.send(message);
  });
}

function probe(child: ChildProcess): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not answer the probe")), 10_000);
    const onMessage = (message: unknown) => {
      const value = message as Partial<Probe>;
      if (typeof value.cpuMicros !== "number" || typeof value.rssBytes !== "number") return;
      clearTimeout(timer);
      child.off("message", onMessage);
      resolve({
        cpuMicros: value.cpuMicros,
        rssBytes: value.rssBytes,
        heapUsedBytes: value.heapUsedBytes ?? 0,
        heapTotalBytes: value.heapTotalBytes ?? 0,
        externalBytes: value.externalBytes ?? 0,
      });
    };
    child.on("message", onMessage);
    child.send("probe");
  });
}

async function waitListening(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${url}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`server did not start listening: ${url}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
