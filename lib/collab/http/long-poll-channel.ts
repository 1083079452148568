import { fromBase64 } from "lib0/buffer";
import { pollAnswerSchema } from "../../protocol/http-sync";
import type { ChannelEnd, ChannelSink } from "./channel";
import { failureOf, Retryable } from "./failures";
import type { FetchLike } from "./sync-url";

export interface LongPollOptions {
  fetch: FetchLike;
  /**
   * The `poll` URL of the next request, carrying the state vector the client
   * has now and `since`, the previous answer's cursor (undefined at first).
   */
  url: (since: string | undefined) => string;
  sink: ChannelSink;
  /** Ends the attempt (the transport stopped). */
  signal: AbortSignal;
  /** A request unanswered for this long is given up (the server holds one at most `timeout` ms). */
  requestTimeoutMs: number;
}

/**
 * One attempt at long-polling: asks again as soon as each answer is applied,
 * until a request fails. The first answer brings the server's state.
 */
export async function runLongPoll(options: LongPollOptions): Promise<ChannelEnd> {
  const { sink, signal } = options;
  const end: ChannelEnd = { delivered: false, stalled: false };
  let cursor: string | undefined;
  try {
    while (!signal.aborted) {
      const response = await options.fetch(options.url(cursor), {
        cache: "no-store",
        signal: AbortSignal.any([signal, AbortSignal.timeout(options.requestTimeoutMs)]),
      });
      if (!response.ok) throw await failureOf(response);
      const answer = pollAnswerSchema.safeParse(await response.json());
      if (!answer.success) throw new Retryable("unexpected long-poll answer");
      const { update, awareness, stateVector } = answer.data;
      if (update !== null) sink.update(fromBase64(update));
      if (awareness !== null) sink.awareness(fromBase64(awareness));
      cursor = answer.data.cursor;
      if (!end.delivered) {
        end.delivered = true;
        sink.synced(fromBase64(stateVector));
      }
    }
  } catch (error) {
    end.error = error;
  }
  return end;
}
