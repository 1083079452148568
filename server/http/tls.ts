import { readFile } from "node:fs/promises";
import type { Config } from "../config";

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/** The certificate and key TLS_CERT and TLS_KEY name, or null when TLS is off. Throws one clear line. */
export async function readTlsFiles(config: Config): Promise<TlsFiles | null> {
  if (!config.TLS_CERT || !config.TLS_KEY) return null;
  const read = async (name: string, file: string) => {
    try {
      return await readFile(file);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new Error(`cannot read ${name}=${file}: ${reason}`);
    }
  };
  return {
    cert: await read("TLS_CERT", config.TLS_CERT),
    key: await read("TLS_KEY", config.TLS_KEY),
  };
}
