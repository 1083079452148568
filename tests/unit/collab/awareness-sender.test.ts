import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import { AwarenessSender } from "@/lib/collab/http/awareness-sender";
import { acknowledged, fakeFetch, type Handler, httpError, type Request } from "./fake-fetch";

const AWARENESS_URL = "http://tandem.test/api/docs/d/awareness?client=1";
const THROTTLE_MS = 100;
const RETRY_MS = 1_000;
const REMOTE = Symbol("remote");

function setup(handler: Handler = () => acknowledged()) {
  const awareness = new awarenessProtocol.Awareness(new Y.Doc());
  const fake = fakeFetch(handler);
  const sender = new AwarenessSender({
    awareness,
    fetch: fake.fetch,
    url: () => AWARENESS_URL,
    throttleMs: THROTTLE_MS,
    retryMs: RETRY_MS,
    remoteOrigin: REMOTE,
  });
  /** What the server would hold after each post: our client's state, or null once removed. */
  const posted = () =>
    fake.requests.map((request) => {
      const mirror = new awarenessProtocol.Awareness(new Y.Doc());
      awarenessProtocol.applyAwarenessUpdate(mirror, request.init.body as Uint8Array, "server");
      return mirror.getStates().get(awareness.clientID) ?? null;
    });
  return { awareness, fake, sender, posted };
}

describe("AwarenessSender", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("posts nothing before open, then the local presence at once", async () => {
    const { awareness, fake, sender, posted } = setup();
    sender.attach();
    awareness.setLocalStateField("user", { name: "ann" });
    await vi.advanceTimersByTimeAsync(THROTTLE_MS * 5);
    expect(fake.requests).toHaveLength(0);

    const run = new AbortController();
    sender.open(run.signal);
    await vi.advanceTimersByTimeAsync(0);
    expect(posted()).toEqual([{ user: { name: "ann" } }]);
    expect(fake.requests[0]?.url.href).toBe(AWARENESS_URL);
    expect(fake.requests[0]?.init).toMatchObject({ method: "POST", signal: run.signal });
  });

  it("throttles many local changes into few posts, always with the latest state", async () => {
    const { awareness, fake, sender, posted } = setup();
    sender.attach();
    awareness.setLocalStateField("cursor", 0);
    sender.open(new AbortController().signal);
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.requests).toHaveLength(1);

    for (let i = 1; i <= 20; i++) {
      awareness.setLocalStateField("cursor", i);
      await vi.advanceTimersByTimeAsync(THROTTLE_MS / 10);
    }
    await vi.advanceTimersByTimeAsync(THROTTLE_MS);
    // 20 changes over two throttle periods: one post per period, each with the state of its end.
    expect(posted()).toEqual([{ cursor: 0 }, { cursor: 10 }, { cursor: 20 }]);
    const times = fake.requests.length;
    await vi.advanceTimersByTimeAsync(THROTTLE_MS * 10);
    expect(fake.requests).toHaveLength(times);
  });

  it("does not send back presence the transport applied from the server, nor other clients' changes", async () => {
    const { awareness, fake, sender } = setup();
    sender.attach();
    sender.open(new AbortController().signal);
    const other = new awarenessProtocol.Awareness(new Y.Doc());
    other.setLocalStateField("user", { name: "bob" });
    const update = awarenessProtocol.encodeAwarenessUpdate(other, [other.clientID]);
    awarenessProtocol.applyAwarenessUpdate(awareness, update, REMOTE);
    awarenessProtocol.applyAwarenessUpdate(awareness, update, "someone else");
    await vi.advanceTimersByTimeAsync(THROTTLE_MS * 5);
    // Only the initial post of the local state (set by the Awareness constructor).
    expect(fake.requests).toHaveLength(1);
  });

  it("tries a failed post again after retryMs", async () => {
    let calls = 0;
    const { awareness, fake, sender, posted } = setup(() => {
      calls += 1;
      return calls === 1 ? httpError(503, "storage-unavailable") : acknowledged();
    });
    sender.attach();
    awareness.setLocalStateField("user", { name: "ann" });
    sender.open(new AbortController().signal);
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(RETRY_MS - 1);
    expect(fake.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(THROTTLE_MS);
    expect(posted()).toEqual([{ user: { name: "ann" } }, { user: { name: "ann" } }]);
  });

  it("posts the leave message (null state, keepalive) on detach, then nothing more", async () => {
    const { awareness, fake, sender, posted } = setup();
    sender.attach();
    awareness.setLocalStateField("user", { name: "ann" });
    sender.open(new AbortController().signal);
    await vi.advanceTimersByTimeAsync(0);
    awareness.setLocalStateField("cursor", 3);
    sender.detach();
    expect(fake.requests).toHaveLength(2);
    const leave = fake.requests[1] as Request;
    expect(leave.init).toMatchObject({ method: "POST", keepalive: true });
    expect(leave.init.signal).toBeUndefined();
    expect(posted()).toEqual([{ user: { name: "ann" } }, null]);
    awareness.setLocalStateField("cursor", 4);
    await vi.advanceTimersByTimeAsync(THROTTLE_MS * 5);
    expect(fake.requests).toHaveLength(2);
  });

  it("sends no leave message if it never opened, or without local presence", async () => {
    const closed = setup();
    closed.sender.attach();
    closed.sender.detach();
    expect(closed.fake.requests).toHaveLength(0);

    const absent = setup();
    absent.sender.attach();
    absent.awareness.setLocalState(null);
    absent.sender.open(new AbortController().signal);
    await vi.advanceTimersByTimeAsync(THROTTLE_MS);
    absent.sender.detach();
    expect(absent.fake.requests).toHaveLength(0);
  });
});
