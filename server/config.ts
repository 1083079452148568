import path from "node:path";
import { z } from "zod";

const booleanFlag = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((value) => value === "true" || value === "1" || value === "yes");

const positiveInt = (fallback: number) =>
  z.coerce.number().int("must be a whole number").positive("must be positive").default(fallback);

/** Environment variables with their defaults; README's table documents the same list. */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATA_DIR: z.string().min(1).default("./data"),
  STORAGE: z
    .enum(["leveldb", "memory"], {
      error: "must be 'leveldb' (the default) or 'memory' (nothing is kept across restarts)",
    })
    .default("leveldb"),
  /** fsync every group commit; off keeps writes safe from a process kill but not from power loss. */
  SYNC_WRITES: booleanFlag.default(true),
  MAX_MESSAGE_BYTES: positiveInt(16 * 1024 * 1024),
  COMPACT_LOG_ENTRIES: positiveInt(1000),
  COMPACT_LOG_BYTES: positiveInt(4 * 1024 * 1024),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  SHUTDOWN_TIMEOUT_MS: positiveInt(10_000),
  /** Ping every socket this often; one that has not answered by the next ping is closed. 0 turns it off. */
  /** Serve HTTPS and WSS with this certificate chain (PEM file) and TLS_KEY. */
  TLS_CERT: z.string().min(1).optional(),
  /** The private key (PEM file) for TLS_CERT. */
  TLS_KEY: z.string().min(1).optional(),
  /** Browser origins allowed to open sockets and change things over HTTP, comma-separated; unset: any. */
  ALLOWED_ORIGINS: z
    .string()
    .transform((value, context) => {
      const origins = value
        .split(",")
        .map((entry) => entry.trim())
        .filter(Boolean);
      for (const origin of origins) {
        let parsed: URL | undefined;
        try {
          parsed = new URL(origin);
        } catch {
          // reported below
        }
        if (!parsed || parsed.origin !== origin) {
          context.addIssue({
            code: "custom",
            message: `"${origin}" is not an origin like https://docs.example.com`,
          });
        }
      }
      return origins;
    })
    .optional(),
  /** Open sync sockets allowed per client address; 0: no limit. */
  MAX_CONNECTIONS_PER_IP: z.coerce.number().int("must be a whole number").min(0).default(256),
  /** Socket connections one document may have at once (the HTTP sync holds one per document); 0: no limit. */
  MAX_CONNECTIONS_PER_DOCUMENT: z.coerce
    .number()
    .int("must be a whole number")
    .min(0)
    .default(1000),
  /** Behind a reverse proxy: take the client's address from the last X-Forwarded-For entry. */
  TRUST_PROXY: booleanFlag.default(false),
  /** Close a socket that opened no document this long after connecting; 0 turns it off. */
  HANDSHAKE_TIMEOUT_MS: z.coerce.number().int("must be a whole number").min(0).default(10_000),
  PING_INTERVAL_MS: z.coerce.number().int("must be a whole number").min(0).default(30_000),
  /** Turns access control on: tokens must be signed with this (HS256); `tandem token` mints them. */
  AUTH_SECRET: z
    .string()
    .min(32, "must be at least 32 characters (use a long random string)")
    .optional(),
  /** Or: tokens are signed by another system whose public keys are published at this URL (JWKS). */
  AUTH_JWKS_URL: z.url("must be an http(s) URL of a JWKS").optional(),
});

export type Config = z.infer<typeof envSchema>;

/** A configuration problem; `message` is the one line printed before exiting. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Parses and validates the environment once at start. Every problem is listed
 * in one line so a self-hoster fixes them all in one go.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const input = Object.fromEntries(
    Object.keys(envSchema.shape).map((key) => [key, emptyToUndefined(env[key])]),
  );
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const name = issue.path.join(".");
      return `${name}=${JSON.stringify(env[name] ?? "")}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join("; ")}`);
  }
  if (Boolean(parsed.data.TLS_CERT) !== Boolean(parsed.data.TLS_KEY)) {
    throw new ConfigError("Invalid configuration: TLS_CERT and TLS_KEY: set both, or neither");
  }
  if (parsed.data.AUTH_SECRET && parsed.data.AUTH_JWKS_URL) {
    throw new ConfigError(
      "Invalid configuration: AUTH_SECRET and AUTH_JWKS_URL: set one of them, not both",
    );
  }
  return { ...parsed.data, DATA_DIR: path.resolve(parsed.data.DATA_DIR) };
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}
