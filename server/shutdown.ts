import { errorMessage, type Logger } from "./log";

export type ShutdownStep = [name: string, run: () => Promise<unknown>];

/**
 * Runs the steps in order. Steps before the last share one deadline: when it
 * passes, the remaining waits are abandoned, but the last step (closing
 * storage, which waits for pending writes) always runs so nothing accepted is
 * lost.
 */
export async function runShutdown(
  log: Logger,
  timeoutMs: number,
  steps: ShutdownStep[],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const last = steps.at(-1);
  for (const [name, run] of steps.slice(0, -1)) {
    const remaining = deadline - Date.now();
    const outcome = await raceDeadline(run(), Math.max(remaining, 0));
    if (outcome === "timeout") {
      log.warn({ component: "shutdown", step: name }, "shutdown step timed out; moving on");
    } else if (outcome instanceof Error) {
      log.error(
        { component: "shutdown", step: name, err: outcome.message },
        "shutdown step failed",
      );
    }
  }
  if (last) {
    try {
      await last[1]();
    } catch (error) {
      log.error(
        { component: "shutdown", step: last[0], err: errorMessage(error) },
        "shutdown step failed",
      );
      throw error;
    }
  }
  log.info({ component: "shutdown" }, "stopped");
}

async function raceDeadline(
  work: Promise<unknown>,
  ms: number,
): Promise<"done" | "timeout" | Error> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), ms);
  });
  try {
    return await Promise.race([
      work.then(
        () => "done" as const,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
