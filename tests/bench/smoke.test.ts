import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BenchReport } from "@/bench/results";
import { SERVER_KINDS } from "@/bench/servers/launch";

const PROJECT_DIR = path.resolve(import.meta.dirname, "../..");

/**
 * Runs the whole benchmark suite at its smallest size so it never rots: every
 * scenario against every server, through the same processes and clients as
 * `npm run bench`. Asserts the figures exist and the final texts were exact;
 * never asserts timings (those belong in bench/RESULTS.md, not in CI).
 */
describe("npm run bench (smoke profile)", () => {
  let dir: string;
  let report: BenchReport;
  let stdout: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tandem-bench-smoke-"));
    const json = path.join(dir, "report.json");
    const markdown = path.join(dir, "report.md");
    const result = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "bench/run.ts", "--smoke", "--json", json, "--markdown", markdown],
      { cwd: PROJECT_DIR, maxBuffer: 16 * 1024 * 1024 },
    );
    stdout = result.stdout;
    report = JSON.parse(await readFile(json, "utf8")) as BenchReport;
  }, 240_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("runs all six scenarios against all four servers without a correctness failure", () => {
    expect(report.servers).toEqual([...SERVER_KINDS]);
    expect(report.scenarios.map((scenario) => scenario.id)).toEqual(["a", "b", "c", "d", "e", "f"]);
    for (const scenario of report.scenarios) expect(scenario.failures).toEqual([]);
  });

  it("has a sane figure for every server that can do each measurement", () => {
    for (const scenario of report.scenarios) {
      for (const metric of scenario.metrics) {
        const measured = Object.entries(metric.runs);
        expect(measured.length, metric.id).toBeGreaterThan(0);
        for (const [, runs] of measured) {
          expect(runs.length, metric.id).toBe(report.runs);
          for (const value of runs) {
            expect(Number.isFinite(value), metric.id).toBe(true);
            // Memory growth can be negative (a GC between readings); nothing else can.
            if (!["d.growth", "d.heap"].includes(metric.id)) {
              expect(value, metric.id).toBeGreaterThan(0);
            }
          }
        }
      }
    }
    const rate = report.scenarios[0]?.metrics.find((metric) => metric.id === "a.rate");
    for (const kind of SERVER_KINDS) expect(rate?.runs[kind]?.length, kind).toBe(1);
  });

  it("prints the table with ratios against the anchors and the targets", () => {
    expect(stdout).toContain("T/HP default");
    expect(stdout).toContain("T/y-ws");
    expect(stdout).toContain("Targets:");
  });
});
