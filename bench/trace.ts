import { readFileSync } from "node:fs";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import * as Y from "yjs";
import { TRACES_DIR } from "./paths";

/** [position, deleted count, inserted text]; positions are JavaScript string indexes here. */
export type Patch = [number, number, string];

export interface SequentialTrace {
  endContent: string;
  txns: Array<{ patches: Patch[] }>;
}

export interface ConcurrentTrace {
  endContent: string;
  numAgents: number;
  txns: Array<{ parents: number[]; agent: number; patches: Patch[] }>;
}

export function loadTrace<T>(file: string): T {
  return JSON.parse(gunzipSync(readFileSync(path.join(TRACES_DIR, file))).toString("utf8")) as T;
}

/** The first `count` transactions and the text they produce (the whole trace ends in `endContent`). */
export function sequentialPrefix(trace: SequentialTrace, count: number): SequentialTrace {
  if (count >= trace.txns.length) return trace;
  const txns = trace.txns.slice(0, count);
  let text = "";
  for (const txn of txns) {
    for (const [position, deleted, inserted] of txn.patches) {
      text = text.slice(0, position) + inserted + text.slice(position + deleted);
    }
  }
  return { endContent: text, txns };
}

export function applyPatches(text: Y.Text, patches: Patch[]): void {
  for (const [position, deleted, inserted] of patches) {
    if (deleted > 0) text.delete(position, deleted);
    if (inserted.length > 0) text.insert(position, inserted);
  }
}

/** One replayed transaction of a concurrent trace. */
export interface ReplayedTxn {
  agent: number;
  parents: number[];
  /** The Yjs update the agent's edit produced. */
  update: Uint8Array;
  /** The agent's clock once the edit is in; a replica has it when its state vector reaches this. */
  clockEnd: number;
  /** For an edit that only deletes (its clock does not move): one range it deletes. */
  deletes: { client: number; clock: number; length: number } | null;
}

/**
 * Replays a concurrent trace with Yjs, as its README describes: one Y.Doc per
 * agent (clientID = agent + 1); before each transaction the agent's doc gets
 * every causal ancestor it has not seen, then the patches are applied as local
 * edits. Returns each transaction's update and the final text of the first
 * `count` transactions merged.
 */
export function replayConcurrent(
  trace: ConcurrentTrace,
  count = trace.txns.length,
): { txns: ReplayedTxn[]; endContent: string } {
  const txns = trace.txns.slice(0, count);
  const docs: Y.Doc[] = [];
  const seen: Array<Set<number>> = [];
  for (let agent = 0; agent < trace.numAgents; agent++) {
    const doc = new Y.Doc();
    doc.clientID = agent + 1;
    docs.push(doc);
    seen.push(new Set());
  }
  const replayed: ReplayedTxn[] = [];
  const local = Symbol("local");
  txns.forEach((txn, index) => {
    const doc = docs[txn.agent]!;
    const known = seen[txn.agent]!;
    const missing: number[] = [];
    const stack = [...txn.parents];
    while (stack.length > 0) {
      const ancestor = stack.pop()!;
      if (known.has(ancestor)) continue;
      known.add(ancestor);
      missing.push(ancestor);
      stack.push(...txns[ancestor]!.parents);
    }
    missing.sort((a, b) => a - b);
    for (const ancestor of missing) Y.applyUpdate(doc, replayed[ancestor]!.update);
    let update: Uint8Array | null = null;
    const capture = (value: Uint8Array, origin: unknown) => {
      if (origin === local) update = value;
    };
    doc.on("update", capture);
    doc.transact(() => applyPatches(doc.getText("text"), txn.patches), local);
    doc.off("update", capture);
    known.add(index);
    if (update === null) throw new Error(`trace transaction ${index} changed nothing`);
    const decoded = Y.decodeUpdate(update);
    let deletes: ReplayedTxn["deletes"] = null;
    if (decoded.structs.length === 0) {
      for (const [client, items] of decoded.ds.clients) {
        const first = items[0];
        if (first) deletes = { client, clock: first.clock, length: first.len };
        break;
      }
    }
    replayed.push({
      agent: txn.agent,
      parents: txn.parents,
      update,
      clockEnd: Y.getState(doc.store, doc.clientID),
      deletes,
    });
  });
  const merged = new Y.Doc();
  for (const txn of replayed) Y.applyUpdate(merged, txn.update);
  const endContent = merged.getText("text").toString();
  for (const doc of docs) doc.destroy();
  merged.destroy();
  return { txns: replayed, endContent };
}

/** Whether `doc` already holds transaction `txn` of a replayed trace. */
export function hasTxn(doc: Y.Doc, txn: ReplayedTxn): boolean {
  const client = txn.agent + 1;
  if (Y.getState(doc.store, client) < txn.clockEnd) return false;
  if (!txn.deletes) return true;
  const structs = doc.store.clients.get(txn.deletes.client);
  if (!structs) return false;
  const end = txn.deletes.clock + txn.deletes.length;
  let index = Y.findIndexSS(structs, txn.deletes.clock);
  for (; index < structs.length; index++) {
    const struct = structs[index]!;
    if (struct.id.clock >= end) break;
    if (!struct.deleted) return false;
  }
  return true;
}
