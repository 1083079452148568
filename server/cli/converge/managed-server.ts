import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const PROJECT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** How long stop() lets a server shut down on SIGTERM before it is SIGKILLed. */
const STOP_GRACE_MS = 10_000;

/** A server process the checker owns, so it can SIGKILL and restart it on the same data. */
export interface ManagedServer {
  readonly host: string;
  readonly port: number;
  /**
   * Every process group this server ran in, one per start, newest last. Each
   * start runs in a group of its own, so a `--server-cmd` shell and whatever
   * it started (the server is the shell's child) are stopped together.
   */
  readonly processGroups: readonly number[];
  /** SIGKILLs the whole process group and waits until none of it is left. */
  kill(): Promise<void>;
  restart(): Promise<void>;
  /** SIGTERM, then SIGKILL after a grace period; resolves when the group is gone and the data removed. */
  stop(): Promise<void>;
}

/**
 * Starts Tandem (`tandem serve --no-web`) with a temporary DATA_DIR, or any
 * command given with --server-cmd (it gets PORT and must listen on it).
 */
export async function startManagedServer(command?: string): Promise<ManagedServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "tandem-converge-"));
  dataDirs.add(dataDir);
  let port = 0;
  let group: ProcessGroup | undefined;
  const processGroups: number[] = [];

  const launch = async () => {
    // Another server gets a port chosen here; Tandem picks its own and logs it.
    if (command && port === 0) port = await freePort();
    const env = {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      // Every simulated client connects from 127.0.0.1; the per-address limit would cap them.
      MAX_CONNECTIONS_PER_IP: "0",
    };
    // `detached`: the child leads a new process group. `sh -c` does not exec its
    // last command, so killing only the shell would orphan the server it started.
    const proc = command
      ? spawn(command, { shell: true, env, stdio: ["ignore", "pipe", "pipe"], detached: true })
      : spawn(process.execPath, ["--import", "tsx", "server/cli/main.ts", "serve", "--no-web"], {
          cwd: PROJECT_DIR,
          env,
          stdio: ["ignore", "pipe", "pipe"],
          detached: true,
        });
    const started = ProcessGroup.adopt(proc);
    group = started;
    processGroups.push(started.id);
    try {
      port = await waitForPort(proc, port);
    } catch (error) {
      await started.end("SIGKILL");
      throw error;
    }
  };

  try {
    await launch();
  } catch (error) {
    await removeDataDir(dataDir);
    throw error;
  }
  return {
    host: "127.0.0.1",
    get port() {
      return port;
    },
    processGroups,
    async kill() {
      await group?.end("SIGKILL");
    },
    async restart() {
      await launch();
    },
    async stop() {
      if (group && !(await group.end("SIGTERM", STOP_GRACE_MS))) await group.end("SIGKILL");
      await removeDataDir(dataDir);
    },
  };
}

/** Groups still running, ended with SIGKILL if this process exits or is signalled first. */
const running = new Set<ProcessGroup>();
/** Data directories of servers not stopped yet, removed then too. */
const dataDirs = new Set<string>();

async function removeDataDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  dataDirs.delete(dir);
}
const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * A detached child and everything it starts. The child's pid is the group's
 * id, and `process.kill(-id, signal)` reaches every member, however deep.
 */
class ProcessGroup {
  private constructor(readonly id: number) {}

  static adopt(child: ChildProcess): ProcessGroup {
    if (child.pid === undefined) throw new Error("the server process did not start");
    const group = new ProcessGroup(child.pid);
    if (running.size === 0) guardExit(true);
    running.add(group);
    return group;
  }

  /** True while any process of the group exists. */
  alive(): boolean {
    return processGroupAlive(this.id);
  }

  /** Signals the whole group; resolves true once none of it is left, false after `timeoutMs`. */
  async end(signal: NodeJS.Signals, timeoutMs = STOP_GRACE_MS): Promise<boolean> {
    try {
      process.kill(-this.id, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
    }
    const deadline = Date.now() + timeoutMs;
    while (this.alive()) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    running.delete(this);
    if (running.size === 0) guardExit(false);
    return true;
  }
}

/** Whether any process of group `id` exists (a member that is not ours still counts). */
export function processGroupAlive(id: number): boolean {
  try {
    process.kill(-id, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * Detached groups do not get the terminal's Ctrl-C, and nothing kills them
 * when this process dies: while any is running, exiting or being signalled
 * SIGKILLs them (and removes the data directories) first; a signal is then
 * raised again so it still ends us.
 */
function guardExit(on: boolean): void {
  if (on) {
    process.on("exit", killRunning);
    for (const signal of FORWARDED_SIGNALS) process.on(signal, onSignal);
  } else {
    process.off("exit", killRunning);
    for (const signal of FORWARDED_SIGNALS) process.off(signal, onSignal);
  }
}

function killRunning(): void {
  for (const group of running) {
    try {
      process.kill(-group.id, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  running.clear();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  dataDirs.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  killRunning();
  guardExit(false);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

/** Tandem logs its URL; other servers are polled on the port they were given. */
async function waitForPort(proc: ChildProcess, requested: number): Promise<number> {
  const output: string[] = [];
  return new Promise<number>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new Error(`server did not start in 30 s:\n${output.join("\n")}`));
    }, 30_000);
    const onLine = (line: string) => {
      output.push(line);
      const match = /"url":"http:\/\/[^:]+:(\d+)"/.exec(line);
      if (match?.[1]) {
        settled = true;
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    if (proc.stdout) createInterface({ input: proc.stdout }).on("line", onLine);
    if (proc.stderr) createInterface({ input: proc.stderr }).on("line", onLine);
    proc.once("exit", (code) => {
      settled = true;
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output.join("\n")}`));
    });
    if (requested > 0) {
      void pollPort(requested, () => settled).then((open) => {
        if (!open) return;
        settled = true;
        clearTimeout(timer);
        resolve(requested);
      });
    }
  });
}

async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves true once `port` accepts connections, false if `stop()` turns true first. */
async function pollPort(port: number, stop: () => boolean): Promise<boolean> {
  const { connect } = await import("node:net");
  while (!stop()) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}
