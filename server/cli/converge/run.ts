import * as Y from "yjs";
import { type ManagedServer, startManagedServer } from "./managed-server";
import type { ConvergeOptions } from "./options";
import { loadFresh, PROBE_MAP, Replica } from "./replica";
import { type ConvergeReport, type DocReport, percentile } from "./report";
import { createRng } from "./rng";
import { FaultyProxy } from "./tcp-proxy";

interface Client {
  replica: Replica;
  proxy: FaultyProxy;
}

export type ProgressSink = (line: string) => void;

const TICK_MS = 50;

/**
 * The checker: clients edit for `seconds` under faults, then everything heals,
 * the run quiesces and every replica, plus a fresh load from the server, must
 * be identical; every state the server acknowledged must still be there,
 * checked right after each server restart before clients can resend anything.
 */
export async function runConvergence(
  options: ConvergeOptions,
  progress: ProgressSink,
  /** Called with the server this run starts (none with --url), before any client connects. */
  onManagedServer?: (server: ManagedServer) => void,
): Promise<ConvergeReport> {
  const managed: ManagedServer | null = options.url
    ? null
    : await startManagedServer(options.serverCmd);
  const target = managed
    ? { host: managed.host, port: managed.port }
    : parseTarget(options.url ?? "");
  const directUrl = options.url ?? `ws://${target.host}:${target.port}`;
  const paths = { collab: options.collabPath, yjs: options.yjsPath };
  const faults: Record<string, number> = {
    disconnect: 0,
    offline: 0,
    latency: 0,
    stall: 0,
    "server-kill": 0,
  };
  const problems: Array<{ document: string; message: string }> = [];
  const clients: Client[] = [];
  let acknowledgedChecked = 0;
  let lostAcknowledged = 0;
  const documentName = (index: number) => `converge-${options.seed}-${index % options.docs}`;

  try {
    if (managed) onManagedServer?.(managed);
    for (let i = 0; i < options.clients; i++) {
      const proxy = await FaultyProxy.start({ ...target });
      const kind = options.protocols[i % options.protocols.length] ?? "hocuspocus";
      const replica = new Replica(
        `c${i}`,
        kind,
        documentName(i),
        `ws://127.0.0.1:${proxy.port}`,
        paths,
      );
      clients.push({ replica, proxy });
    }
    await waitFor(
      () => clients.every((c) => c.replica.synced),
      30_000,
      "every client to connect and sync",
    );
    progress(`connected ${clients.length} clients to ${directUrl} (seed ${options.seed})`);

    const rngs = clients.map((_, i) => createRng(options.seed * 1009 + i));
    const faultRng = createRng(options.seed ^ 0x9e3779b9);
    const started = Date.now();
    const end = started + options.seconds * 1000;
    const opChance = (options.rate * TICK_MS) / 1000;
    const restoreAt = new Map<Client, number>();
    let nextFaultAt = started + 1000;
    let nextKillAt = started + (options.seconds * 1000) / 2;
    let nextProgressAt = started + 1000;

    while (Date.now() < end) {
      for (const [i, client] of clients.entries()) {
        const rng = rngs[i];
        if (rng && rng.next() < opChance) client.replica.edit(rng);
      }
      const now = Date.now();
      for (const [client, at] of restoreAt) {
        if (now >= at) {
          client.replica.goOnline();
          client.proxy.heal();
          restoreAt.delete(client);
        }
      }
      if (options.faults !== "none" && now >= nextFaultAt) {
        nextFaultAt = now + 300 + faultRng.int(900);
        const victim = faultRng.pick(clients);
        const roll = faultRng.next();
        if (restoreAt.has(victim)) {
          // already faulted; let it recover
        } else if (roll < 0.3) {
          victim.proxy.dropAll();
          faults.disconnect = (faults.disconnect ?? 0) + 1;
        } else if (roll < 0.55) {
          victim.replica.goOffline();
          restoreAt.set(victim, now + 500 + faultRng.int(2500));
          faults.offline = (faults.offline ?? 0) + 1;
        } else if (roll < 0.8) {
          victim.proxy.latencyMs = 20 + faultRng.int(300);
          restoreAt.set(victim, now + 1000 + faultRng.int(3000));
          faults.latency = (faults.latency ?? 0) + 1;
        } else {
          victim.proxy.stall(500 + faultRng.int(2000));
          faults.stall = (faults.stall ?? 0) + 1;
        }
      }
      if (options.faults === "all" && managed && now >= nextKillAt) {
        nextKillAt = Number.POSITIVE_INFINITY;
        const result = await killAndCheck(managed, clients, directUrl, options);
        faults["server-kill"] = (faults["server-kill"] ?? 0) + 1;
        acknowledgedChecked += result.checked;
        lostAcknowledged += result.lost.length;
        for (const message of result.lost)
          problems.push({ document: message.split(":")[0] ?? "", message });
        progress(
          `server killed with SIGKILL and restarted: ${result.checked} acknowledged states checked, ${result.lost.length} lost`,
        );
      }
      if (now >= nextProgressAt) {
        nextProgressAt = now + 1000;
        const ops = clients.reduce((sum, c) => sum + c.replica.ops, 0);
        const offline = clients.filter((c) => c.replica.offline).length;
        const injected = Object.values(faults).reduce((a, b) => a + b, 0);
        progress(
          `${((now - started) / 1000).toFixed(0)}/${options.seconds} s  ops ${ops}  faults ${injected}  offline ${offline}/${clients.length}`,
        );
      }
      await sleep(TICK_MS);
    }

    // Quiesce: heal everything, bring everyone back, and time how long convergence takes.
    for (const client of clients) {
      client.proxy.heal();
      if (client.replica.offline) client.replica.goOnline();
    }
    const quiescedAt = Date.now();
    progress("edits stopped; waiting for every replica to converge");
    const documents: DocReport[] = [];
    for (let d = 0; d < Math.min(options.docs, options.clients); d++) {
      const name = documentName(d);
      const group = clients.filter((c) => c.replica.documentName === name);
      const converged = await waitFor(
        () =>
          group.every((c) => c.replica.synced) && sameStateVectors(group.map((c) => c.replica.doc)),
        options.timeout * 1000,
        `${name} to converge`,
      ).then(
        () => true,
        () => false,
      );
      const convergeMs = converged ? Date.now() - quiescedAt : null;
      const docProblems: string[] = [];
      if (!converged)
        docProblems.push(
          `${name}: replicas did not converge within ${options.timeout} s: ${describeDivergence(group)}`,
        );
      const fresh = await loadFresh(directUrl, options.collabPath, name, 30_000);
      try {
        for (const { replica } of group) {
          const difference = compareDocs(fresh, replica.doc);
          if (difference)
            docProblems.push(
              `${name}: ${replica.name} (${replica.kind}) differs from a fresh load: ${difference}`,
            );
          if (replica.acknowledgedClock > 0) {
            acknowledgedChecked += 1;
            const held = Y.getState(fresh.store, replica.clientId);
            if (held < replica.acknowledgedClock) {
              lostAcknowledged += 1;
              docProblems.push(
                `${name}: ${replica.name} was acknowledged up to clock ${replica.acknowledgedClock} but the server has ${held}`,
              );
            }
          }
        }
      } finally {
        fresh.destroy();
      }
      for (const message of docProblems) problems.push({ document: name, message });
      const latencies = group.flatMap((c) => c.replica.latencies);
      documents.push({
        document: name,
        clients: group.length,
        ops: group.reduce((sum, c) => sum + c.replica.ops, 0),
        converged: docProblems.length === 0,
        convergeMs,
        latencyP50Ms: percentile(latencies, 50),
        latencyP99Ms: percentile(latencies, 99),
        bytesSent: group.reduce((sum, c) => sum + c.proxy.bytesUp, 0),
        bytesReceived: group.reduce((sum, c) => sum + c.proxy.bytesDown, 0),
        problems: docProblems,
      });
    }
    for (const doc of documents) {
      for (const message of problems.filter(
        (p) => p.document === doc.document && !doc.problems.includes(p.message),
      )) {
        doc.problems.push(message.message);
        doc.converged = false;
      }
    }
    return {
      ok: problems.length === 0,
      seed: options.seed,
      server: managed
        ? `started here (${options.serverCmd ?? "tandem serve --no-web"})`
        : directUrl,
      clients: options.clients,
      protocols: options.protocols,
      faultMode: options.faults,
      seconds: options.seconds,
      ops: clients.reduce((sum, c) => sum + c.replica.ops, 0),
      faults,
      acknowledgedChecked,
      lostAcknowledged,
      documents,
      firstProblem: problems[0]?.message ?? null,
    };
  } finally {
    try {
      for (const client of clients) {
        client.replica.destroy();
        await client.proxy.close();
      }
    } finally {
      // Ends the server's whole process group and waits until it is gone.
      await managed?.stop();
    }
  }
}

/**
 * SIGKILLs the server and restarts it, then, before any client may reconnect
 * and resend, loads each document fresh and checks every acknowledged state.
 */
async function killAndCheck(
  managed: ManagedServer,
  clients: Client[],
  directUrl: string,
  options: ConvergeOptions,
): Promise<{ checked: number; lost: string[] }> {
  for (const client of clients) {
    client.proxy.setBlocked(true);
    client.proxy.dropAll();
  }
  const acknowledged = clients.map((c) => ({
    replica: c.replica,
    clock: c.replica.acknowledgedClock,
  }));
  await managed.kill();
  await managed.restart();
  const lost: string[] = [];
  let checked = 0;
  const names = [...new Set(clients.map((c) => c.replica.documentName))];
  for (const name of names) {
    const fresh = await loadFresh(directUrl, options.collabPath, name, 30_000);
    try {
      for (const { replica, clock } of acknowledged) {
        if (replica.documentName !== name || clock === 0) continue;
        checked += 1;
        const held = Y.getState(fresh.store, replica.clientId);
        if (held < clock)
          lost.push(
            `${name}: after SIGKILL the server holds ${replica.name}'s state up to clock ${held}, but ${clock} was acknowledged`,
          );
      }
    } finally {
      fresh.destroy();
    }
  }
  for (const client of clients) client.proxy.setBlocked(false);
  return { checked, lost };
}

function sameStateVectors(docs: Y.Doc[]): boolean {
  const first = docs[0];
  if (!first) return true;
  const reference = Buffer.from(Y.encodeStateVector(first)).toString("base64");
  return docs.every(
    (doc) => Buffer.from(Y.encodeStateVector(doc)).toString("base64") === reference,
  );
}

/** Where two documents differ, in words; null when state and content are identical. */
export function compareDocs(expected: Y.Doc, actual: Y.Doc): string | null {
  const vectorA = Y.decodeStateVector(Y.encodeStateVector(expected));
  const vectorB = Y.decodeStateVector(Y.encodeStateVector(actual));
  for (const client of new Set([...vectorA.keys(), ...vectorB.keys()])) {
    if ((vectorA.get(client) ?? 0) !== (vectorB.get(client) ?? 0)) {
      return `client ${client} at clock ${vectorB.get(client) ?? 0}, expected ${vectorA.get(client) ?? 0}`;
    }
  }
  const textA = expected.getText("text").toString();
  const textB = actual.getText("text").toString();
  if (textA !== textB) {
    let at = 0;
    while (at < textA.length && textA[at] === textB[at]) at++;
    return `text differs at offset ${at} (lengths ${textB.length} vs ${textA.length})`;
  }
  for (const name of ["settings", PROBE_MAP]) {
    if (canonical(expected.getMap(name).toJSON()) !== canonical(actual.getMap(name).toJSON())) {
      return `map "${name}" differs`;
    }
  }
  if (
    canonical(expected.getArray("list").toJSON()) !== canonical(actual.getArray("list").toJSON())
  ) {
    return `array "list" differs`;
  }
  if (
    canonical(expected.getText("text").toDelta()) !== canonical(actual.getText("text").toDelta())
  ) {
    return "formatting differs";
  }
  if (
    !Buffer.from(Y.encodeStateAsUpdate(expected)).equals(Buffer.from(Y.encodeStateAsUpdate(actual)))
  ) {
    return "encoded states differ (same visible content)";
  }
  return null;
}

/** JSON with object keys sorted: replicas insert map keys in different orders. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  );
}

function describeDivergence(group: Client[]): string {
  const first = group[0];
  for (const other of group.slice(1)) {
    if (!first) break;
    const difference = compareDocs(first.replica.doc, other.replica.doc);
    if (difference) return `${other.replica.name} vs ${first.replica.name}: ${difference}`;
  }
  const unsynced = group.filter((c) => !c.replica.synced).map((c) => c.replica.name);
  return unsynced.length ? `not synced: ${unsynced.join(", ")}` : "state vectors differ";
}

function parseTarget(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  const port = parsed.port ? Number(parsed.port) : parsed.protocol === "wss:" ? 443 : 80;
  return { host: parsed.hostname, port };
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
