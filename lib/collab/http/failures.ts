/**
 * How the transport judges a failed request: retry it, or give up on the
 * document for good. The server names its refusals with the vocabulary of
 * lib/protocol/refusals.ts (in the `{error:{code,message}}` body of an HTTP
 * error, and in the data of an event stream's `error` event); the status
 * decides what a body that is not ours (a proxy's error page) means.
 */
import { httpErrorBodySchema } from "../../protocol/http-errors";
import { streamErrorSchema } from "../../protocol/http-sync";
import { isRefusalCode, isRetryableRefusal, Refused } from "../../protocol/refusals";

export { Refused };

/** Worth retrying: network errors, 5xx/408/429, retryable refusals, a stream that never delivered. */
export class Retryable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Retryable";
  }
}

/**
 * A 4xx answer whose code is not a refusal name: a request error of the
 * server's (`payload-too-large`, `unsupported-media-type`, ...) or a proxy's
 * page (`http-<status>`). Final, like a refusal: retrying the same request
 * cannot help.
 */
export class Rejected extends Error {
  constructor(
    /** The error body's code, or `http-<status>` when the body is not Tandem's. */
    readonly reason: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "Rejected";
  }
}

export type Failure = Refused | Rejected | Retryable;

/** A failure no retry can cure: the transport stops (or, for a POST, drops that update). */
export function isFinal(error: unknown): error is Refused | Rejected {
  return error instanceof Refused || error instanceof Rejected;
}

/** Statuses about the server's state or the way there, not about the request. */
function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** Reads a non-2xx answer and says what it means. Never throws. */
export async function failureOf(response: Response): Promise<Failure> {
  let code: string | undefined;
  let message = `HTTP ${response.status}`;
  try {
    const body = httpErrorBodySchema.safeParse(await response.json());
    if (body.success) ({ code, message } = body.data.error);
  } catch {
    // Not JSON (a proxy's error page); the status says enough.
  }
  if (isRetryableStatus(response.status) || (code !== undefined && isRetryableRefusal(code))) {
    return new Retryable(message);
  }
  if (code !== undefined && isRefusalCode(code)) return new Refused(code, message);
  return new Rejected(code ?? `http-${response.status}`, message, response.status);
}

/**
 * The data of an event stream's `error` event (the server closes the stream
 * after it): a final refusal such as `document-deleted`, or one worth a
 * reconnect (`shutting-down`, or anything unreadable).
 */
export function streamFailureOf(data: string): Refused | Retryable {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return new Retryable(data);
  }
  const error = streamErrorSchema.safeParse(parsed);
  if (!error.success) return new Retryable(data);
  const { code, message } = error.data;
  return isRefusalCode(code) && !isRetryableRefusal(code)
    ? new Refused(code, message)
    : new Retryable(message);
}
