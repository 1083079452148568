import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * Prints where a V8 CPU profile (from BENCH_CPU_PROF) spent its time: self
 * time per function, and total (inclusive) time for the heaviest call paths'
 * functions. Usage: tsx bench/profile-summary.ts FILE.cpuprofile [top]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: tsx bench/profile-summary.ts FILE.cpuprofile [top]\n");
  process.exit(2);
}
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes)
  for (const child of node.children ?? []) parent.set(child, node.id);

const self = new Map<number, number>();
profile.samples.forEach((id, index) => {
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
});
const total = [...self.values()].reduce((sum, value) => sum + value, 0);

const label = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${path.basename(url)}:${lineNumber + 1}` : "";
  return `${functionName || "(anonymous)"} ${where}`.trim();
};
const selfByName = new Map<string, number>();
const inclusiveByName = new Map<string, number>();
for (const [id, time] of self) {
  const node = byId.get(id)!;
  selfByName.set(label(node), (selfByName.get(label(node)) ?? 0) + time);
  const seen = new Set<string>();
  for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
    const name = label(byId.get(current)!);
    if (seen.has(name)) continue;
    seen.add(name);
    inclusiveByName.set(name, (inclusiveByName.get(name) ?? 0) + time);
  }
}
const print = (title: string, values: Map<string, number>) => {
  process.stdout.write(`${title} (of ${(total / 1e6).toFixed(2)} s sampled)\n`);
  for (const [name, time] of [...values].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${((100 * time) / total).toFixed(1).padStart(6)}%  ${name}\n`);
  }
};
print("self time", selfByName);
process.stdout.write("\n");
print("inclusive time", inclusiveByName);
