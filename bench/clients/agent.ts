import * as Y from "yjs";
import { nowMicros } from "../clock";
import type { ServerTarget } from "../servers/launch";
import { type ConcurrentTrace, hasTxn, loadTrace, replayConcurrent } from "../trace";
import { connect } from "./connect";
import { driveClient } from "./driver";

export interface AgentInput {
  target: ServerTarget;
  docName: string;
  agent: number;
  txns: number;
}

export interface AgentResult {
  sent: number;
  finishedAt: number;
  textOk: boolean;
}

const LOCAL = Symbol("agent-edit");

/**
 * Scenario (b): one agent of a concurrent trace. It makes each of its edits
 * only once the edit's causal parents reached it through the server, and is
 * done when it holds every agent's edits and the server acknowledged its own.
 * Edits are the trace's replayed Yjs updates (see replayConcurrent), so the
 * result is exact whatever order the network delivers in.
 */
driveClient<AgentInput, AgentResult>(async (input) => {
  const trace = loadTrace<ConcurrentTrace>("friendsforever.json.gz");
  const { txns, endContent } = replayConcurrent(trace, input.txns);
  const own = txns.flatMap((txn, index) => (txn.agent === input.agent ? [index] : []));
  const client = connect(input.target, input.docName, { awareness: true });
  await client.synced();
  return () =>
    new Promise<AgentResult>((resolve) => {
      let next = 0;
      let scheduled = false;
      let finished = false;
      const parentsArrived = (index: number) =>
        txns[index]!.parents.every((parent) => hasTxn(client.doc, txns[parent]!));
      const pump = () => {
        scheduled = false;
        while (next < own.length && parentsArrived(own[next]!)) {
          Y.applyUpdate(client.doc, txns[own[next]!]!.update, LOCAL);
          next += 1;
        }
        if (next === own.length && !finished && client.text.toString() === endContent) {
          finished = true;
          const done = client.acknowledged ? client.acknowledged() : Promise.resolve();
          void done.then(() => {
            const finishedAt = nowMicros();
            client.destroy();
            resolve({ sent: own.length, finishedAt, textOk: true });
          });
        }
      };
      // Edits are made outside the update handler that announced their parents.
      client.doc.on("update", (_update: Uint8Array, origin: unknown) => {
        if (origin === LOCAL || scheduled || finished) return;
        scheduled = true;
        setImmediate(pump);
      });
      pump();
    });
});
