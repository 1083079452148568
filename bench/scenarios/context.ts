import type { Profile } from "../config";
import type { ScenarioResult } from "../results";
import { launchServer, type RunningServer, type ServerKind } from "../servers/launch";

export interface ScenarioContext {
  profile: Profile;
  servers: readonly ServerKind[];
  log(line: string): void;
}

export interface Scenario {
  id: string;
  title: string;
  run(context: ScenarioContext): Promise<ScenarioResult>;
}

/** Starts the servers in parallel; `use` runs with all of them up, and they are removed after. */
export async function withServers<T>(
  kinds: readonly ServerKind[],
  use: (servers: Map<ServerKind, RunningServer>) => Promise<T>,
): Promise<T> {
  const started = await Promise.allSettled(kinds.map((kind) => launchServer(kind)));
  const servers = new Map<ServerKind, RunningServer>();
  started.forEach((outcome, index) => {
    if (outcome.status === "fulfilled") servers.set(kinds[index]!, outcome.value);
  });
  try {
    const failed = started.find((outcome) => outcome.status === "rejected");
    if (failed) throw failed.reason;
    return await use(servers);
  } finally {
    await Promise.all([...servers.values()].map((server) => server.dispose()));
  }
}

/**
 * The order servers are measured in for a run: rotated each run, so none is
 * always first (cold caches) or always last (a warmer machine).
 */
export function rotation(kinds: readonly ServerKind[], run: number): ServerKind[] {
  const shift = ((run % kinds.length) + kinds.length) % kinds.length;
  return [...kinds.slice(shift), ...kinds.slice(0, shift)];
}

/** The server's CPU time (µs) spent while `work` ran. */
export async function serverCpu<T>(
  server: RunningServer,
  work: () => Promise<T>,
): Promise<{ value: T; cpuMicros: number }> {
  const before = await server.probe();
  const value = await work();
  const after = await server.probe();
  return { value, cpuMicros: after.cpuMicros - before.cpuMicros };
}

/** Run -1 is the warm-up (its figures are dropped); then the profile's measured runs. */
export function runIndexes(profile: Profile): number[] {
  const measured = Array.from({ length: profile.runs }, (_, run) => run);
  return profile.warmup ? [-1, ...measured] : measured;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Splits `items` into `parts` nearly equal groups (none empty). */
export function split<T>(items: readonly T[], parts: number): T[][] {
  const count = Math.max(1, Math.min(parts, items.length));
  const groups: T[][] = Array.from({ length: count }, () => []);
  items.forEach((item, index) => {
    groups[index % count]!.push(item);
  });
  return groups;
}
