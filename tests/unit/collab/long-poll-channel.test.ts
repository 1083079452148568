import { toBase64 } from "lib0/buffer";
import { describe, expect, it } from "vitest";
import type { ChannelSink } from "@/lib/collab/http/channel";
import { isFinal, Refused, Retryable } from "@/lib/collab/http/failures";
import { runLongPoll } from "@/lib/collab/http/long-poll-channel";
import { syncUrl } from "@/lib/collab/http/sync-url";
import { HttpSyncEndpoint, type PollAnswer } from "@/lib/protocol/http-sync";
import { Refusal } from "@/lib/protocol/refusals";
import { fakeFetch, type Handler, hang, httpError, json } from "./fake-fetch";

const b64 = (...bytes: number[]) => toBase64(new Uint8Array(bytes));
const target = { baseUrl: "http://tandem.test", docId: "doc 1", client: 42 };

function run(handler: Handler, options: { requestTimeoutMs?: number; signal?: AbortSignal } = {}) {
  const fake = fakeFetch(handler);
  const received: Array<[keyof ChannelSink, number[]]> = [];
  const ended = runLongPoll({
    fetch: fake.fetch,
    url: (since) => syncUrl(target, HttpSyncEndpoint.Poll, { sv: new Uint8Array([0]), since }),
    sink: {
      update: (bytes) => received.push(["update", [...bytes]]),
      awareness: (bytes) => received.push(["awareness", [...bytes]]),
      synced: (bytes) => received.push(["synced", [...bytes]]),
    },
    signal: options.signal ?? new AbortController().signal,
    requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
  });
  return { fake, ended, received };
}

/** Answers the requests in turn with `answers`, then `last` for every later one. */
function inTurn(answers: Response[], last: Handler): Handler {
  let next = 0;
  return (request) => answers[next++] ?? last(request);
}

const answer = (fields: Partial<PollAnswer> & { cursor: string }): Response =>
  json(200, { stateVector: b64(0), update: null, awareness: null, ...fields });

describe("runLongPoll", () => {
  it("applies each answer, syncs on the first, and passes the cursor back as `since`", async () => {
    const { fake, ended, received } = run(
      inTurn(
        [
          answer({ cursor: "e.1", stateVector: b64(7), update: b64(1), awareness: b64(2) }),
          answer({ cursor: "e.2", stateVector: b64(8), awareness: b64(3) }),
          answer({ cursor: "e.3", stateVector: b64(9), update: b64(4) }),
        ],
        () => json(200, { cursor: 5 }),
      ),
    );
    const end = await ended;
    expect(end.error).toBeInstanceOf(Retryable);
    expect(end).toMatchObject({ delivered: true, stalled: false });
    expect(received).toEqual([
      ["update", [1]],
      ["awareness", [2]],
      ["synced", [7]],
      ["awareness", [3]],
      ["update", [4]],
    ]);
    const urls = fake.requests.map((r) => r.url);
    expect(urls.map((url) => url.searchParams.get("since"))).toEqual([null, "e.1", "e.2", "e.3"]);
    for (const url of urls) {
      expect(url.pathname).toBe("/api/docs/doc%201/poll");
      expect(url.searchParams.get("client")).toBe("42");
      expect(url.searchParams.get("sv")).toBe("AA");
    }
    expect(fake.requests[0]?.init.cache).toBe("no-store");
  });

  it("retries a malformed answer without applying anything", async () => {
    const missing = run(() => json(200, { cursor: "e.1", stateVector: b64(0) }));
    expect(await missing.ended).toMatchObject({ delivered: false, stalled: false });
    expect((await missing.ended).error).toBeInstanceOf(Retryable);
    expect(missing.received).toEqual([]);

    const page = run(() => new Response("<html>Sign in to the proxy</html>", { status: 200 }));
    const end = await page.ended;
    expect(end.error).toBeDefined();
    expect(isFinal(end.error)).toBe(false);
    expect(page.received).toEqual([]);
  });

  it("maps HTTP errors through the refusal vocabulary", async () => {
    const gone = await run(() => httpError(410, Refusal.DocumentDeleted)).ended;
    expect(gone.error).toBeInstanceOf(Refused);
    expect(gone.error).toMatchObject({ reason: Refusal.DocumentDeleted });
    const busy = await run(() => httpError(503, Refusal.StorageUnavailable)).ended;
    expect(busy.error).toBeInstanceOf(Retryable);
  });

  it("gives up a request the server holds longer than it may", async () => {
    const { ended } = run(
      inTurn([answer({ cursor: "e.1" })], ({ init }) => hang(init)),
      { requestTimeoutMs: 20 },
    );
    const end = await ended;
    expect(end.delivered).toBe(true);
    expect((end.error as Error).name).toBe("TimeoutError");
  });

  it("ends when the transport stops", async () => {
    const stop = new AbortController();
    const { fake, ended } = run(({ init }) => hang(init), { signal: stop.signal });
    await fake.next("poll");
    stop.abort();
    const end = await ended;
    expect(end.delivered).toBe(false);
    expect(isFinal(end.error)).toBe(false);
  });
});
