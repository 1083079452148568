import { nowMicros } from "../clock";
import type { ServerTarget } from "../servers/launch";
import { applyPatches, loadTrace, type SequentialTrace, sequentialPrefix } from "../trace";
import { connect, waitForText } from "./connect";
import { driveClient } from "./driver";

export interface AuthorInput {
  target: ServerTarget;
  docName: string;
  /** How many of the trace's transactions to replay (all of them for the figures). */
  txns: number;
}

export interface AuthorResult {
  updates: number;
  startedAt: number;
  /** When the last local edit was handed to the provider. */
  sentAt: number;
  /** When the server had everything: last acknowledgement, or (y-websocket) a fresh reader saw it all. */
  doneAt: number;
  doneBy: "acknowledgement" | "reader";
  /** A client that connected afterwards read exactly the trace's final text. */
  textOk: boolean;
}

/**
 * Scenario (a): one author replays a recorded editing history into a real
 * provider as fast as it can, one Yjs transaction per recorded transaction.
 */
driveClient<AuthorInput, AuthorResult>(async (input) => {
  const trace = sequentialPrefix(loadTrace<SequentialTrace>("seph-blog1.json.gz"), input.txns);
  const author = connect(input.target, input.docName, { awareness: true });
  await author.synced();
  return async () => {
    const startedAt = nowMicros();
    for (const txn of trace.txns) {
      author.doc.transact(() => applyPatches(author.text, txn.patches));
    }
    const sentAt = nowMicros();
    let doneBy: AuthorResult["doneBy"];
    if (author.acknowledged) {
      await author.acknowledged();
      doneBy = "acknowledgement";
    } else {
      // No acknowledgements in the y-websocket protocol: done once a new client reads it all.
      const reader = connect(input.target, input.docName, { awareness: false });
      await reader.synced();
      await waitForText(reader.text, trace.endContent);
      reader.destroy();
      doneBy = "reader";
    }
    const doneAt = nowMicros();
    const check = connect(input.target, input.docName, { awareness: false });
    await check.synced();
    const textOk = check.text.toString() === trace.endContent;
    check.destroy();
    author.destroy();
    return { updates: trace.txns.length, startedAt, sentAt, doneAt, doneBy, textOk };
  };
});
