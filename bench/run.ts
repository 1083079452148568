import { writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { PROFILES, type Profile } from "./config";
import { renderMarkdown, renderText } from "./report";
import type { BenchReport } from "./results";
import { authorScenario } from "./scenarios/a-author";
import { concurrentScenario } from "./scenarios/b-concurrent";
import { fanoutScenario } from "./scenarios/c-fanout";
import type { Scenario } from "./scenarios/context";
import { idleScenario } from "./scenarios/d-idle";
import { coldLoadScenario } from "./scenarios/e-cold-load";
import { writersScenario } from "./scenarios/f-writers";
import { SERVER_KINDS, type ServerKind } from "./servers/launch";

const SCENARIOS: readonly Scenario[] = [
  authorScenario,
  concurrentScenario,
  fanoutScenario,
  idleScenario,
  coldLoadScenario,
  writersScenario,
];

const USAGE = `Usage: npm run bench -- [options]

  --quick              smaller sizes, one measured run (a few minutes)
  --smoke              tiny sizes (seconds); what npm test runs
  --scenarios a,c,f    only these scenarios (a b c d e f)
  --servers tandem,y-websocket
                       only these servers (${SERVER_KINDS.join(" ")})
  --runs N             measured runs per figure (median reported)
  --json FILE          also write every run's values as JSON
  --markdown FILE      also write the tables as Markdown`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      smoke: { type: "boolean", default: false },
      scenarios: { type: "string" },
      servers: { type: "string" },
      runs: { type: "string" },
      json: { type: "string" },
      markdown: { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const base = PROFILES[values.smoke ? "smoke" : values.quick ? "quick" : "full"];
  const profile: Profile = values.runs ? { ...base, runs: Number(values.runs) } : base;
  if (!Number.isInteger(profile.runs) || profile.runs < 1) {
    process.stderr.write("bench: --runs must be a positive whole number\n");
    return 2;
  }
  const wanted = values.scenarios?.split(",").map((id) => id.trim());
  const scenarios = wanted
    ? SCENARIOS.filter((scenario) => wanted.includes(scenario.id))
    : SCENARIOS;
  const servers = values.servers
    ? (values.servers.split(",").map((kind) => kind.trim()) as ServerKind[])
    : [...SERVER_KINDS];
  const unknown = servers.filter((kind) => !SERVER_KINDS.includes(kind));
  if (unknown.length > 0 || scenarios.length === 0) {
    process.stderr.write(`bench: unknown server or no scenario selected\n\n${USAGE}\n`);
    return 2;
  }
  const report: BenchReport = {
    profile: profile.name,
    runs: profile.runs,
    startedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
    },
    servers,
    scenarios: [],
  };
  const log = (line: string) => process.stderr.write(`${line}\n`);
  for (const scenario of scenarios) {
    log(`(${scenario.id}) ${scenario.title}`);
    const started = Date.now();
    const loadBefore = loadavg()[0] ?? 0;
    const result = await scenario.run({ profile, servers, log });
    result.load = { before: loadBefore, after: loadavg()[0] ?? 0 };
    report.scenarios.push(result);
    log(`  (${scenario.id}) took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  process.stdout.write(`\n${renderText(report)}\n`);
  if (values.json) await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
  if (values.markdown) await writeFile(values.markdown, `${renderMarkdown(report)}\n`);
  const failed = report.scenarios.some((scenario) => scenario.failures.length > 0);
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
