import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "@/server/config";
import { startTandemServer, type TandemServer, type TandemServerOptions } from "@/server/index";
import { createLogger } from "@/server/log";

export interface TestServer extends TandemServer {
  dataDir: string;
  wsUrl: string;
  /** Closes the server and removes its data directory. */
  dispose(): Promise<void>;
}

/** A real Tandem server (sync + HTTP API, no Next.js) on a loopback port with LevelDB in a temp dir. */
export async function startTestServer(
  env: Record<string, string> = {},
  overrides: Partial<Pick<TandemServerOptions, "storage" | "policy">> & { dataDir?: string } = {},
): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? (await mkdtemp(path.join(tmpdir(), "tandem-test-")));
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    DATA_DIR: dataDir,
    SYNC_WRITES: "false",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    ...env,
  });
  const server = await startTandemServer({
    config,
    log: createLogger(config.LOG_LEVEL),
    storage: overrides.storage,
    policy: overrides.policy,
  });
  return {
    ...server,
    close: server.close,
    dataDir,
    wsUrl: `${server.url.replace("http", "ws")}/collab`,
    async dispose() {
      await server.close();
      if (!overrides.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
