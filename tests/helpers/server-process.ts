import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { NODE_FLAGS } from "../../bin/node-flags.mjs";

const PROJECT_DIR = path.resolve(import.meta.dirname, "../..");

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  wsUrl: string;
  /** Every line the process printed, stdout and stderr, for assertions and failure reports. */
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `tandem serve --no-web` as its own process (so it can be SIGKILLed) and waits until it listens. */
export async function spawnServer(
  env: Record<string, string>,
  args: string[] = ["serve", "--no-web"],
  startTimeoutMs = 30_000,
): Promise<ServerProcess> {
  // The V8 flags production runs with (bin/tandem.mjs), so these tests see the same server.
  const child = spawn(
    process.execPath,
    [...NODE_FLAGS, "--import", "tsx", "server/cli/main.ts", ...args],
    {
      cwd: PROJECT_DIR,
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const output: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start:\n${output.join("\n")}`)),
      startTimeoutMs,
    );
    const onLine = (line: string) => {
      output.push(line);
      const match = /"url":"(http:\/\/[^"]+)"/.exec(line);
      if (match?.[1] && line.includes('"listening"')) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    if (child.stdout) createInterface({ input: child.stdout }).on("line", onLine);
    if (child.stderr) createInterface({ input: child.stderr }).on("line", onLine);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(`server exited (${code ?? signal}) before listening:\n${output.join("\n")}`),
      );
    });
  });
  return { child, url, wsUrl: `${url.replace("http", "ws")}/collab`, output, exited };
}
