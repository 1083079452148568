import { type ChildProcess, fork } from "node:child_process";
import path from "node:path";
import type { FromClient, ToClient } from "./clients/driver";
import { nowMicros } from "./clock";
import { PROJECT_DIR } from "./paths";

export interface ClientProcess<Result> {
  /** Resolves once the client connected and prepared everything outside the measured window. */
  readonly ready: Promise<void>;
  /** Starts the measured part. */
  go(): void;
  readonly result: Promise<Result>;
  /** Ends the process (asks, then kills). */
  stop(): Promise<void>;
}

/**
 * Runs a client driver (bench/clients/*.ts) in its own process, so the load
 * generator never shares a core's event loop with the harness or the server.
 */
export function spawnClient<Input, Result>(script: string, input: Input): ClientProcess<Result> {
  const child: ChildProcess = fork(path.join(PROJECT_DIR, "bench/clients", script), [], {
    cwd: PROJECT_DIR,
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let resolveReady!: () => void;
  let rejectReady!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  let resolveResult!: (result: Result) => void;
  let rejectResult!: (error: Error) => void;
  const result = new Promise<Result>((resolve, reject) => {
    resolveResult = resolve;
    rejectResult = reject;
  });
  // Either may be abandoned by a caller that already failed; never unhandled.
  ready.catch(() => undefined);
  result.catch(() => undefined);
  const fail = (error: Error) => {
    rejectReady(error);
    rejectResult(error);
  };
  child.on("message", (raw: unknown) => {
    const message = raw as FromClient;
    if (message.type === "ready") resolveReady();
    else if (message.type === "result") resolveResult(message.result as Result);
    else if (message.type === "error") fail(new Error(`${script}: ${message.message}`));
  });
  void exited.then(() =>
    fail(new Error(`${script} exited (${child.exitCode ?? child.signalCode})`)),
  );
  const send = (message: ToClient) => {
    if (child.connected) child.send(message);
  };
  send({ type: "start", input });
  return {
    ready,
    result,
    go: () => send({ type: "go" }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      send({ type: "exit" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface ClientGroup<Result> {
  ready: Promise<void>;
  /** Starts every client's measured part; returns the moment it did (bench/clock.ts). */
  go(): number;
  results: Promise<Result[]>;
  stop(): Promise<void>;
}

/** Several client processes as one: ready together, go together, all results. */
export function startClients<Input, Result>(
  script: string,
  inputs: Input[],
  timeoutMs = 600_000,
): ClientGroup<Result> {
  const clients = inputs.map((input) => spawnClient<Input, Result>(script, input));
  const ready = withTimeout(
    Promise.all(clients.map((client) => client.ready)).then(() => undefined),
    180_000,
    `${script} to connect`,
  );
  const results = ready.then(() =>
    withTimeout(
      Promise.all(clients.map((client) => client.result)),
      timeoutMs,
      `${script} results`,
    ),
  );
  results.catch(() => undefined);
  return {
    ready,
    results,
    go() {
      const at = nowMicros();
      for (const client of clients) client.go();
      return at;
    },
    stop: async () => {
      await Promise.all(clients.map((client) => client.stop()));
    },
  };
}

/** Starts clients, waits until ready, lets them go and collects their results, then stops them. */
export async function runClients<Input, Result>(
  script: string,
  inputs: Input[],
  timeoutMs?: number,
): Promise<{ goAt: number; results: Result[] }> {
  const group = startClients<Input, Result>(script, inputs, timeoutMs);
  try {
    await group.ready;
    const goAt = group.go();
    return { goAt, results: await group.results };
  } finally {
    await group.stop();
  }
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
