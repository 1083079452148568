import { toBase64 } from "lib0/buffer";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ChannelSink } from "@/lib/collab/http/channel";
import { runEventStream } from "@/lib/collab/http/event-stream-channel";
import { Refused, Retryable } from "@/lib/collab/http/failures";
import { Refusal } from "@/lib/protocol/refusals";
import { type EventStream, eventStream, fakeFetch, httpError } from "./fake-fetch";

const URL_ = "http://tandem.test/api/docs/d/events?client=1&sv=AA";

function recordingSink() {
  const received: Array<[keyof ChannelSink, number[]]> = [];
  const sink: ChannelSink = {
    update: (bytes) => received.push(["update", [...bytes]]),
    awareness: (bytes) => received.push(["awareness", [...bytes]]),
    synced: (bytes) => received.push(["synced", [...bytes]]),
  };
  return { sink, received };
}

/** A fake server whose every `events` request opens a stream the test writes into. */
function streamingServer(headers?: Record<string, string>) {
  const streams: EventStream[] = [];
  const fake = fakeFetch(({ init }) => {
    const stream = eventStream(init, headers);
    streams.push(stream);
    return stream.response;
  });
  return { fake, streams };
}

function run(
  fetch: ReturnType<typeof fakeFetch>["fetch"],
  options: { syncTimeoutMs?: number; idleTimeoutMs?: number; signal?: AbortSignal } = {},
) {
  const { sink, received } = recordingSink();
  const ended = runEventStream({
    fetch,
    url: URL_,
    sink,
    signal: options.signal ?? new AbortController().signal,
    syncTimeoutMs: options.syncTimeoutMs ?? 60_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 60_000,
  });
  return { ended, received };
}

const b64 = (...bytes: number[]) => toBase64(new Uint8Array(bytes));

afterEach(() => {
  vi.useRealTimers();
});

describe("runEventStream", () => {
  it("applies update, synced and awareness events in order until the server ends the stream", async () => {
    const { fake, streams } = streamingServer();
    const { ended, received } = run(fake.fetch);
    const request = await fake.next("events");
    expect(request.url.href).toBe(URL_);
    expect(request.init).toMatchObject({
      headers: { accept: "text/event-stream" },
      cache: "no-store",
    });
    const stream = streams[0] as EventStream;
    stream.push(`: keep-alive\n\nevent: update\ndata: ${b64(1, 2)}\n\nevent: syn`);
    stream.push(`ced\ndata: ${b64(3)}\n\n`);
    stream.event("awareness", b64(4));
    stream.event("update", b64(5));
    stream.event("something-new", "ignored");
    stream.close();
    expect(await ended).toEqual({ delivered: true, stalled: false });
    expect(received).toEqual([
      ["update", [1, 2]],
      ["synced", [3]],
      ["awareness", [4]],
      ["update", [5]],
    ]);
  });

  it("ends refused on an error event with document-deleted, and closes the request", async () => {
    const { fake, streams } = streamingServer();
    const { ended, received } = run(fake.fetch);
    const request = await fake.next("events");
    const stream = streams[0] as EventStream;
    stream.event("update", b64(1));
    stream.event("synced", b64(0));
    stream.event("error", JSON.stringify({ code: Refusal.DocumentDeleted, message: "gone" }));
    stream.event("update", b64(9));
    const end = await ended;
    expect(end.error).toBeInstanceOf(Refused);
    expect(end.error).toMatchObject({ reason: Refusal.DocumentDeleted, message: "gone" });
    expect(end.delivered).toBe(true);
    expect(received.map(([kind]) => kind)).toEqual(["update", "synced"]);
    expect(request.init.signal?.aborted).toBe(true);
  });

  it("ends retryable on an error event with shutting-down", async () => {
    const { fake, streams } = streamingServer();
    const { ended } = run(fake.fetch);
    await fake.next("events");
    (streams[0] as EventStream).event(
      "error",
      JSON.stringify({ code: Refusal.ShuttingDown, message: "bye" }),
    );
    expect((await ended).error).toBeInstanceOf(Retryable);
  });

  it("gives up on a stream that opens but stays silent (a buffering proxy): stalled", async () => {
    const { fake } = streamingServer();
    const { ended, received } = run(fake.fetch, { syncTimeoutMs: 20 });
    const request = await fake.next("events");
    const end = await ended;
    expect(end).toMatchObject({ delivered: false, stalled: true });
    expect(received).toEqual([]);
    expect(request.init.signal?.aborted).toBe(true);
  });

  it("gives up on a stream that goes silent after the first sync: stalled, but delivered", async () => {
    const { fake, streams } = streamingServer();
    const { ended } = run(fake.fetch, { syncTimeoutMs: 60_000, idleTimeoutMs: 20 });
    await fake.next("events");
    (streams[0] as EventStream).push(
      `event: update\ndata: ${b64(1)}\n\nevent: synced\ndata: AA==\n\n`,
    );
    expect(await ended).toMatchObject({ delivered: true, stalled: true });
  });

  it("counts any bytes, heartbeats included, as signs of life", async () => {
    vi.useFakeTimers();
    const { fake, streams } = streamingServer();
    let settled = false;
    const { ended } = run(fake.fetch, { syncTimeoutMs: 100, idleTimeoutMs: 100 });
    void ended.then(() => {
      settled = true;
    });
    await fake.next("events");
    const stream = streams[0] as EventStream;
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(80);
      stream.push(i === 2 ? "event: synced\ndata: AA==\n\n" : ": keep-alive\n\n");
    }
    await vi.advanceTimersByTimeAsync(80);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(30);
    expect(settled).toBe(true);
    expect(await ended).toMatchObject({ delivered: true, stalled: true });
  });

  it("retries an answer that is not an event stream (a proxy's page with status 200)", async () => {
    const { fake } = streamingServer({ "content-type": "text/html" });
    const { ended } = run(fake.fetch);
    const end = await ended;
    expect(end.error).toBeInstanceOf(Retryable);
    expect((end.error as Error).message).toContain("text/html");
    expect(end).toMatchObject({ delivered: false, stalled: false });
  });

  it("maps an HTTP error answer through the refusal vocabulary", async () => {
    const gone = run(fakeFetch(() => httpError(410, Refusal.DocumentDeleted)).fetch);
    expect((await gone.ended).error).toMatchObject({ reason: Refusal.DocumentDeleted });
    const busy = run(fakeFetch(() => httpError(503, Refusal.DocumentLoadFailed)).fetch);
    expect((await busy.ended).error).toBeInstanceOf(Retryable);
  });

  it("reports a network failure as the attempt's error", async () => {
    const failure = new TypeError("fetch failed");
    const { ended } = run(fakeFetch(() => Promise.reject(failure)).fetch);
    expect(await ended).toEqual({ delivered: false, stalled: false, error: failure });
  });

  it("ends, not stalled, when the transport stops", async () => {
    const { fake, streams } = streamingServer();
    const stop = new AbortController();
    const { ended } = run(fake.fetch, { signal: stop.signal });
    await fake.next("events");
    (streams[0] as EventStream).event("synced", "AA==");
    stop.abort();
    expect(await ended).toMatchObject({ stalled: false });
  });
});
