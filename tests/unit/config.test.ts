import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "@/server/config";

describe("loadConfig", () => {
  it("applies defaults", () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.STORAGE).toBe("leveldb");
    expect(config.SYNC_WRITES).toBe(true);
    expect(config.DATA_DIR.endsWith("data")).toBe(true);
  });

  it("names every bad variable in one line", () => {
    let error: unknown;
    try {
      loadConfig({ PORT: "eighty", STORAGE: "mongo", MAX_MESSAGE_BYTES: "-5" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain("\n");
    expect(message).toContain("PORT=");
    expect(message).toContain("STORAGE=");
    expect(message).toContain("MAX_MESSAGE_BYTES=");
  });

  it("parses booleans and numbers", () => {
    const config = loadConfig({ SYNC_WRITES: "false", PORT: "0", COMPACT_LOG_ENTRIES: "10" });
    expect(config.SYNC_WRITES).toBe(false);
    expect(config.PORT).toBe(0);
    expect(config.COMPACT_LOG_ENTRIES).toBe(10);
  });

  it("checks the access control settings", () => {
    expect(() => loadConfig({ AUTH_SECRET: "short" })).toThrow(/AUTH_SECRET=.*at least 32/);
    expect(() => loadConfig({ AUTH_JWKS_URL: "not a url" })).toThrow(/AUTH_JWKS_URL=/);
    expect(() =>
      loadConfig({ AUTH_SECRET: "x".repeat(32), AUTH_JWKS_URL: "https://id.example/jwks.json" }),
    ).toThrow(/not both/);
    expect(loadConfig({ AUTH_SECRET: "x".repeat(32) }).AUTH_SECRET).toHaveLength(32);
    expect(() => loadConfig({ ALLOWED_ORIGINS: "https://a.example, docs.example.com" })).toThrow(
      /ALLOWED_ORIGINS=.*not an origin/,
    );
    expect(
      loadConfig({ ALLOWED_ORIGINS: "https://a.example, http://b.example:8080" }).ALLOWED_ORIGINS,
    ).toEqual(["https://a.example", "http://b.example:8080"]);
    expect(() => loadConfig({ TLS_CERT: "/cert.pem" })).toThrow(/TLS_CERT and TLS_KEY/);
  });
});
