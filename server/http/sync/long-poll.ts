import * as Y from "yjs";
import { type PollAnswer, pollQuerySchema } from "../../../lib/protocol/http-sync";
import { Refusal, Refused } from "../../../lib/protocol/refusals";
import { sendJson } from "../http-kit";
import type { RouteContext } from "../router";
import { admitAndAcquire, type HttpSyncContext } from "./context";
import type { Listener, LiveDoc } from "./live-doc";
import { decodeStateVectorParam, parseQuery } from "./request";

/**
 * GET poll: answers at once when the client lacks something (per its state
 * vector and the `since` cursor), else at the next change or after the
 * timeout, for clients behind proxies that cut or buffer event streams.
 */
export async function longPoll(sync: HttpSyncContext, context: RouteContext): Promise<void> {
  const { res } = context;
  const id = context.params.id ?? "";
  const query = parseQuery(context.url, pollQuerySchema);
  const sv = decodeStateVectorParam(query.sv);
  const clientSv = Y.decodeStateVector(sv);
  const doc = await admitAndAcquire(sync, context, "read");
  let answer: PollAnswer | null;
  try {
    const current = (force: boolean) =>
      doc.pollAnswer(clientSv, sv, query.client, query.since, force);
    answer = current(false);
    if (answer === null && query.timeout > 0) {
      answer = await waitForChange(sync, context, doc, id, query.client, query.timeout, current);
    }
    answer ??= res.destroyed ? null : current(true);
  } finally {
    sync.docs.release(doc);
  }
  if (answer && !res.destroyed) sendJson(res, 200, answer);
}

function waitForChange(
  sync: HttpSyncContext,
  { res }: RouteContext,
  doc: LiveDoc,
  id: string,
  client: number | undefined,
  timeoutMs: number,
  current: (force: boolean) => PollAnswer | null,
): Promise<PollAnswer | null> {
  return new Promise<PollAnswer | null>((resolve, reject) => {
    const finish = (result: PollAnswer | null, error?: Refused) => {
      clearTimeout(timer);
      doc.listeners.delete(listener);
      res.off("close", onClose);
      sync.metrics?.polls.dec();
      if (error) reject(error);
      else resolve(result);
    };
    const check = () => {
      const ready = current(false);
      if (ready) finish(ready);
    };
    const listener: Listener = {
      client,
      onUpdate: check,
      onAwareness: check,
      onClose(reason) {
        if (reason === Refusal.DocumentDeleted) {
          finish(null, new Refused(reason, `document ${id} was deleted`));
        } else {
          finish(current(true));
        }
      },
    };
    const onClose = () => finish(null);
    const timer = setTimeout(() => finish(current(true)), timeoutMs);
    sync.metrics?.polls.inc();
    doc.listeners.add(listener);
    res.once("close", onClose);
  });
}
