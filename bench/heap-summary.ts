import { readFileSync } from "node:fs";

/**
 * Where a V8 heap snapshot's memory is, by constructor: count and self size.
 * Usage: tsx bench/heap-summary.ts FILE.heapsnapshot [top]
 * (Snapshots come from the idle scenario with BENCH_HEAP_SNAPSHOT=<dir>.)
 */
interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: tsx bench/heap-summary.ts FILE.heapsnapshot [top]\n");
  process.exit(2);
}
const top = Number(topArg ?? 40);
const data = JSON.parse(readFileSync(file, "utf8")) as Snapshot;
const fields = data.snapshot.meta.node_fields;
const types = data.snapshot.meta.node_types[0];
const width = fields.length;
const typeAt = fields.indexOf("type");
const nameAt = fields.indexOf("name");
const sizeAt = fields.indexOf("self_size");
const groups = new Map<string, { count: number; size: number }>();
let total = 0;
for (let i = 0; i < data.nodes.length; i += width) {
  const type = types[data.nodes[i + typeAt]!] ?? "?";
  const label = data.strings[data.nodes[i + nameAt]!];
  // Objects by constructor; closures by function name, which says whose listeners they are.
  const name =
    type === "object" || type === "native"
      ? label
      : type === "closure"
        ? `(closure) ${label || "anonymous"}`
        : `(${type})`;
  const key = name ?? "?";
  const size = data.nodes[i + sizeAt]!;
  total += size;
  const group = groups.get(key) ?? { count: 0, size: 0 };
  group.count += 1;
  group.size += size;
  groups.set(key, group);
}
process.stdout.write(
  `${(total / 2 ** 20).toFixed(1)} MB in ${data.nodes.length / width} objects\n`,
);
for (const [name, group] of [...groups].sort((a, b) => b[1].size - a[1].size).slice(0, top)) {
  process.stdout.write(
    `${(group.size / 2 ** 20).toFixed(2).padStart(8)} MB ${String(group.count).padStart(9)}  ${name.slice(0, 80)}\n`,
  );
}
