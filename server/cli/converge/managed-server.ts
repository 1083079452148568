import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const PROJECT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

/** A server process the checker owns, so it can SIGKILL and restart it on the same data. */
export interface ManagedServer {
  readonly host: string;
  readonly port: number;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts Tandem (`tandem serve --no-web`) with a temporary DATA_DIR, or any
 * command given with --server-cmd (it gets PORT and must listen on it).
 */
export async function startManagedServer(command?: string): Promise<ManagedServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "tandem-converge-"));
  let port = 0;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = async () => {
    // Another server gets a port chosen here; Tandem picks its own and logs it.
    if (command && port === 0) port = await freePort();
    const env = {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      LOG_LEVEL: "info",
    };
    const proc = command
      ? spawn(command, { shell: true, env, stdio: ["ignore", "pipe", "pipe"] })
      : spawn(process.execPath, ["--import", "tsx", "server/cli/main.ts", "serve", "--no-web"], {
          cwd: PROJECT_DIR,
          env,
          stdio: ["ignore", "pipe", "pipe"],
        });
    child = proc;
    exited = new Promise((resolve) => proc.once("exit", () => resolve()));
    port = await waitForPort(proc, port);
  };

  await launch();
  return {
    host: "127.0.0.1",
    get port() {
      return port;
    },
    async kill() {
      child?.kill("SIGKILL");
      await exited;
    },
    async restart() {
      await launch();
    },
    async stop() {
      child?.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      child?.kill("SIGKILL");
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Tandem logs its URL; other servers are polled on the port they were given. */
async function waitForPort(proc: ChildProcess, requested: number): Promise<number> {
  const output: string[] = [];
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start in 30 s:\n${output.join("\n")}`)),
      30_000,
    );
    const onLine = (line: string) => {
      output.push(line);
      const match = /"url":"http:\/\/[^:]+:(\d+)"/.exec(line);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    if (proc.stdout) createInterface({ input: proc.stdout }).on("line", onLine);
    if (proc.stderr) createInterface({ input: proc.stderr }).on("line", onLine);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output.join("\n")}`));
    });
    if (requested > 0) {
      void pollPort(requested).then(() => {
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

async function pollPort(port: number): Promise<void> {
  const { connect } = await import("node:net");
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
