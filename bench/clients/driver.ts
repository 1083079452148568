/** Messages between the harness and a client process (see bench/client-process.ts). */
export type ToClient = { type: "start"; input: unknown } | { type: "go" } | { type: "exit" };
export type FromClient =
  | { type: "ready" }
  | { type: "result"; result: unknown }
  | { type: "error"; message: string };

/**
 * The child side of a client process: `setup` connects and prepares outside
 * the measured window and returns the measured part, which runs on "go".
 */
export function driveClient<Input, Result>(
  setup: (input: Input) => Promise<() => Promise<Result>>,
): void {
  let run: (() => Promise<Result>) | undefined;
  const send = (message: FromClient) => process.send?.(message);
  const fail = (error: unknown) => {
    send({
      type: "error",
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  };
  process.on("message", (raw: unknown) => {
    const message = raw as ToClient;
    if (message.type === "start") {
      setup(message.input as Input).then((measured) => {
        run = measured;
        send({ type: "ready" });
      }, fail);
    } else if (message.type === "go") {
      if (!run) return fail(new Error("go before ready"));
      run().then((result) => send({ type: "result", result }), fail);
    } else if (message.type === "exit") {
      process.exit(0);
    }
  });
  // A harness that dies must not leave clients hammering a server.
  process.on("disconnect", () => process.exit(0));
  // Every y-websocket provider adds a process "exit" listener; hundreds per process are intended.
  process.setMaxListeners(0);
}
