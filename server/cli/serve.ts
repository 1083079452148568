import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Config, ConfigError, loadConfig } from "../config";
import { startTandemServer, type TandemServer } from "../index";
import { createLogger, errorMessage } from "../log";

export interface ServeFlags {
  web: boolean;
  dev: boolean;
  port?: number;
}

const PROJECT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** `tandem serve`: runs until SIGTERM/SIGINT, then shuts down in order and exits 0. */
export async function serve(flags: ServeFlags): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(
      flags.port === undefined ? process.env : { ...process.env, PORT: String(flags.port) },
    );
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`tandem: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const log = createLogger(config.LOG_LEVEL);
  process.env.NEXT_TELEMETRY_DISABLED = "1";

  let server: TandemServer;
  try {
    server = await startTandemServer({
      config,
      log,
      web: flags.web
        ? async ({ hostname, port, internalOrigin }) => {
            const { createWebApp, ensureBuild } = await import("../web/next-app");
            // Server components fetch the API from this same process.
            process.env.TANDEM_INTERNAL_ORIGIN = internalOrigin;
            if (!flags.dev) {
              await ensureBuild({
                dir: PROJECT_DIR,
                log: (message) => log.info({ component: "web" }, message),
              });
            }
            return createWebApp({ dev: flags.dev, dir: PROJECT_DIR, hostname, port });
          }
        : undefined,
    });
  } catch (error) {
    process.stderr.write(`tandem: could not start: ${errorMessage(error)}\n`);
    return 1;
  }
  process.stdout.write(`Tandem is running at ${server.url.replace("127.0.0.1", "localhost")}\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ component: "server", signal }, "second signal: exiting now");
        process.exit(1);
      }
      stopping = true;
      log.info({ component: "server", signal }, "shutting down");
      server.close().then(
        () => resolve(0),
        (error: unknown) => {
          process.stderr.write(`tandem: shutdown failed: ${errorMessage(error)}\n`);
          resolve(1);
        },
      );
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}
