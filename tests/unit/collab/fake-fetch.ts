/**
 * A fake `fetch` for the HTTP sync transport's unit tests: every request is
 * recorded and answered by a handler the test gives, no server involved.
 */
import type { FetchLike } from "@/lib/collab/http/sync-url";

export interface Request {
  url: URL;
  init: RequestInit;
}

export type Handler = (request: Request) => Response | Promise<Response>;

export interface FakeFetch {
  fetch: FetchLike;
  requests: Request[];
  /**
   * Resolves with the next request to `endpoint` (the last path segment) that
   * an earlier call has not returned yet, whether it was already made or not.
   */
  next(endpoint: string): Promise<Request>;
}

export function fakeFetch(handler: Handler): FakeFetch {
  const requests: Request[] = [];
  const handedOut = new Map<string, number>();
  /** Each resolves its promise and returns true once its request exists. */
  let waiters: Array<() => boolean> = [];
  const to = (endpoint: string) => requests.filter((r) => r.url.pathname.endsWith(`/${endpoint}`));
  return {
    requests,
    fetch(url, init) {
      const request = { url: new URL(url), init };
      requests.push(request);
      // Answered before anyone waiting hears of the request, so they can use what the handler made.
      let answer: Promise<Response>;
      try {
        answer = Promise.resolve(handler(request));
      } catch (error) {
        answer = Promise.reject(error);
      }
      waiters = waiters.filter((settle) => !settle());
      return answer;
    },
    next(endpoint) {
      const index = handedOut.get(endpoint) ?? 0;
      handedOut.set(endpoint, index + 1);
      return new Promise((resolve) => {
        const settle = () => {
          const request = to(endpoint)[index];
          if (request) resolve(request);
          return request !== undefined;
        };
        if (!settle()) waiters.push(settle);
      });
    },
  };
}

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

/** Tandem's JSON error body. */
export function httpError(status: number, code: string, message = code): Response {
  return json(status, { error: { code, message } });
}

export const acknowledged = () => json(200, { ok: true });

/** A response that never comes: the request hangs until its signal aborts, then fails like fetch. */
export function hang(init: RequestInit): Promise<Response> {
  return new Promise((_, reject) => {
    const signal = init.signal;
    const fail = () => reject(signal?.reason ?? new DOMException("aborted", "AbortError"));
    if (signal?.aborted) fail();
    else signal?.addEventListener("abort", fail, { once: true });
  });
}

export interface EventStream {
  response: Response;
  /** Sends raw text down the stream. */
  push(text: string): void;
  /** Sends one event. */
  event(name: string, data: string): void;
  /** The server ends the stream. */
  close(): void;
}

/**
 * An open `text/event-stream` answer the test writes into. Like a real fetch
 * body, it errors when the request's signal aborts.
 */
export function eventStream(
  init: RequestInit,
  headers: Record<string, string> = { "content-type": "text/event-stream; charset=utf-8" },
): EventStream {
  const encoder = new TextEncoder();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  init.signal?.addEventListener(
    "abort",
    () => {
      if (closed) return;
      closed = true;
      controller.error(new DOMException("aborted", "AbortError"));
    },
    { once: true },
  );
  const push = (text: string) => {
    if (!closed) controller.enqueue(encoder.encode(text));
  };
  return {
    response: new Response(body, { headers }),
    push,
    event: (name, data) => push(`event: ${name}\ndata: ${data}\n\n`),
    close() {
      if (closed) return;
      closed = true;
      controller.close();
    },
  };
}
