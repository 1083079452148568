import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: { "@": fileURLToPath(new URL("./", import.meta.url)) },
  },
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 60_000,
    // Browser assertions wait for other people's edits to arrive; vitest's 1 s default is too tight on a loaded 2-core CI box.
    expect: { poll: { timeout: 15_000, interval: 50 } },
    hookTimeout: 120_000,
    // Integration suites start real servers; two workers match the 2-core CI box.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
