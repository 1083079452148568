import { z } from "zod";

/*
 * The HTTP sync wire format, for editors whose WebSocket upgrade is blocked
 * (usually by a proxy). All under /api/docs/<id>/:
 *
 *   POST updates?client=<n>    body: one binary Yjs update (v1). 200 {ok:true}
 *                              once the update is in the store's log.
 *   POST awareness?client=<n>  body: one y-protocols awareness update. 200 {ok:true}
 *   GET  events?sv=&client=    text/event-stream. First `update` (base64 diff
 *                              against sv), then `synced` (base64 server state
 *                              vector), then `awareness` (base64) if anyone is
 *                              present; afterwards one `update`/`awareness`
 *                              event per change. `error` ({code,message} JSON,
 *                              code a refusal) precedes a close.
 *   GET  poll?sv=&client=&since=&timeout=
 *                              JSON PollAnswer. Answers at once when the client
 *                              lacks something, else at the next change or after
 *                              `timeout` ms (at most 25 s). `since` is the
 *                              previous answer's opaque cursor.
 *
 * `sv` is a base64url Yjs state vector (empty or absent: the client has
 * nothing). `client` is the sender's Yjs/awareness client id: its own updates
 * and presence are not echoed back to it, and its presence is removed when its
 * last event stream closes. Errors are the JSON error body of http-errors.ts.
 */

export const HttpSyncEndpoint = {
  Updates: "updates",
  Awareness: "awareness",
  Events: "events",
  Poll: "poll",
} as const;

export type HttpSyncEndpointName = (typeof HttpSyncEndpoint)[keyof typeof HttpSyncEndpoint];

export function httpSyncPath(docId: string, endpoint: HttpSyncEndpointName): string {
  return `/api/docs/${encodeURIComponent(docId)}/${endpoint}`;
}

export const SseEvent = {
  Update: "update",
  Synced: "synced",
  Awareness: "awareness",
  Error: "error",
} as const;

/** The longest a server holds a long-poll. */
export const MAX_POLL_MS = 25_000;

const base64url = z
  .string()
  .regex(/^[A-Za-z0-9_-]*$/, "must be base64url without padding")
  .max(1_000_000);

const clientParam = z.coerce.number().int().min(0).max(0xffffffff).optional();

/** Query of `updates` and `awareness`. */
export const senderQuerySchema = z.object({ client: clientParam });

/** Query of `events`. */
export const eventsQuerySchema = z.object({ sv: base64url.optional(), client: clientParam });

/** Query of `poll`. */
export const pollQuerySchema = eventsQuerySchema.extend({
  since: z.string().max(100).optional(),
  timeout: z.coerce
    .number()
    .int()
    .min(0)
    .default(MAX_POLL_MS)
    .transform((value) => Math.min(value, MAX_POLL_MS)),
});

/** One long-poll answer; byte fields are base64 (standard alphabet), null when there is nothing. */
export const pollAnswerSchema = z.object({
  cursor: z.string(),
  stateVector: z.string(),
  update: z.string().nullable(),
  awareness: z.string().nullable(),
});

export type PollAnswer = z.infer<typeof pollAnswerSchema>;

/** The data of an `error` event: a refusal code and a message for people. */
export const streamErrorSchema = z.object({ code: z.string(), message: z.string() });

export type StreamError = z.infer<typeof streamErrorSchema>;

/** The answer to an acknowledged POST. */
export const acknowledgedSchema = z.object({ ok: z.literal(true) });
