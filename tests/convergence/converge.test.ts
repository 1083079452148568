import path from "node:path";
import { describe, expect, it } from "vitest";
import { type ManagedServer, processGroupAlive } from "@/server/cli/converge/managed-server";
import { type ConvergeOptions, parseConvergeArgs } from "@/server/cli/converge/options";
import { formatReport } from "@/server/cli/converge/report";
import { runConvergence } from "@/server/cli/converge/run";

const BROKEN = path.resolve(import.meta.dirname, "fixtures/broken-server.ts");

function options(args: string[]): ConvergeOptions {
  const parsed = parseConvergeArgs(args);
  if (parsed === "help") throw new Error("unexpected help");
  return parsed;
}

/** Runs the checker, then fails if any process of the server it started is still alive. */
async function run(args: string[]) {
  const lines: string[] = [];
  let server: ManagedServer | undefined;
  const report = await runConvergence(
    options(args),
    (line) => lines.push(line),
    (started) => {
      server = started;
    },
  );
  const groups = server?.processGroups ?? [];
  expect(groups.length, "the run started no server").toBeGreaterThan(0);
  expect(groups.filter(processGroupAlive), "server process groups still alive").toEqual([]);
  return { report, lines, summary: formatReport(report), groups };
}

describe("tandem converge against Tandem", () => {
  for (const faults of ["none", "net", "all"] as const) {
    it(`converges with both client kinds, faults ${faults} (seed 1234)`, async () => {
      const { report, summary, groups } = await run([
        "--clients",
        "6",
        "--docs",
        "2",
        "--seconds",
        "4",
        "--seed",
        "1234",
        "--faults",
        faults,
      ]);
      expect(report.ok, summary).toBe(true);
      expect(report.ops).toBeGreaterThan(50);
      expect(report.documents).toHaveLength(2);
      for (const doc of report.documents) expect(doc.convergeMs).not.toBeNull();
      if (faults === "all") {
        expect(report.faults["server-kill"]).toBe(1);
        expect(groups, "one group before the kill, one after the restart").toHaveLength(2);
        expect(report.acknowledgedChecked).toBeGreaterThan(0);
      }
      if (faults !== "none") {
        expect(Object.values(report.faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      }
    }, 90_000);
  }
});

describe("tandem converge detects broken servers", () => {
  it("fails when a server relays only nine of ten updates", async () => {
    const { report } = await run([
      "--server-cmd",
      `BROKEN=drop-tenth "${process.execPath}" --import tsx "${BROKEN}"`,
      "--protocols",
      "hocuspocus",
      "--clients",
      "4",
      "--docs",
      "1",
      "--seconds",
      "3",
      "--seed",
      "99",
      "--faults",
      "none",
      "--timeout",
      "3",
    ]);
    expect(report.ok).toBe(false);
    expect(report.firstProblem).toMatch(/did not converge|differs/);
  }, 90_000);

  it("fails when a server loses acknowledged updates on SIGKILL", async () => {
    const { report } = await run([
      "--server-cmd",
      `BROKEN=forgetful "${process.execPath}" --import tsx "${BROKEN}"`,
      "--protocols",
      "hocuspocus",
      "--clients",
      "4",
      "--docs",
      "1",
      "--seconds",
      "3",
      "--seed",
      "5",
      "--faults",
      "all",
    ]);
    expect(report.ok).toBe(false);
    expect(report.lostAcknowledged).toBeGreaterThan(0);
    expect(report.firstProblem).toMatch(/after SIGKILL/);
  }, 90_000);
});

describe("converge options", () => {
  it("rejects bad flags with one clear message", () => {
    expect(() => parseConvergeArgs(["--clients", "0"])).toThrow(/--clients/);
    expect(() => parseConvergeArgs(["--faults", "chaos"])).toThrow(/--faults/);
    expect(() => parseConvergeArgs(["--url", "ws://x:1", "--faults", "all"])).toThrow(
      /needs a server it starts/,
    );
    expect(() => parseConvergeArgs(["--protocols", "carrier-pigeon"])).toThrow(/--protocols/);
    expect(parseConvergeArgs(["--help"])).toBe("help");
  });
});

describe("tandem converge command line", () => {
  it("prints a JSON report and exits 0 when everything converged", async () => {
    const { spawn } = await import("node:child_process");
    const child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "server/cli/main.ts",
        "converge",
        "--clients",
        "2",
        "--docs",
        "1",
        "--seconds",
        "1",
        "--faults",
        "none",
        "--seed",
        "3",
        "--json",
      ],
      { cwd: path.resolve(import.meta.dirname, "../.."), stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as { ok: boolean; seed: number; documents: unknown[] };
    expect(report.ok).toBe(true);
    expect(report.seed).toBe(3);
    expect(report.documents).toHaveLength(1);
    expect(stderr).toContain("edits stopped");
  }, 60_000);
});
