import { toBase64, toBase64UrlEncoded } from "lib0/buffer";
import { afterEach, describe, expect, it } from "vitest";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import {
  HttpSyncTransport,
  type HttpSyncTransportEvents,
  type HttpSyncTransportOptions,
} from "@/lib/collab/http/http-sync-transport";
import { Refusal } from "@/lib/protocol/refusals";
import {
  acknowledged,
  type EventStream,
  eventStream,
  fakeFetch,
  type Handler,
  hang,
  httpError,
  json,
} from "./fake-fetch";

const transports: HttpSyncTransport[] = [];

afterEach(() => {
  for (const transport of transports.splice(0)) transport.destroy();
});

function setup(handler: Handler, options: Partial<HttpSyncTransportOptions> = {}) {
  const fake = fakeFetch(handler);
  const doc = options.doc ?? new Y.Doc();
  const transport = new HttpSyncTransport({
    baseUrl: "http://tandem.test/",
    docId: "doc",
    doc,
    fetch: (input, init) => fake.fetch(String(input), init ?? {}),
    retryMinMs: 1,
    retryMaxMs: 2,
    ...options,
  });
  transports.push(transport);
  const seen: Record<string, unknown[]> = {};
  for (const name of ["status", "synced", "mode", "error", "unsyncedChanges"] as const) {
    seen[name] = [];
    transport.on(name, (event: Record<string, unknown>) =>
      seen[name]?.push(Object.values(event).length === 1 ? Object.values(event)[0] : event),
    );
  }
  return { fake, doc, transport, seen };
}

/** Resolves with the next `name` event that satisfies `test`. */
function next<K extends keyof HttpSyncTransportEvents>(
  transport: HttpSyncTransport,
  name: K,
  test: (event: Parameters<HttpSyncTransportEvents[K]>[0]) => boolean = () => true,
): Promise<Parameters<HttpSyncTransportEvents[K]>[0]> {
  return new Promise((resolve) => {
    const listener = ((event: Parameters<HttpSyncTransportEvents[K]>[0]) => {
      if (!test(event)) return;
      transport.off(name, listener);
      resolve(event);
    }) as HttpSyncTransportEvents[K];
    transport.on(name, listener);
  });
}

/** A server document with some text, and what a client that has nothing needs of it. */
function serverDoc(text: string) {
  const server = new Y.Doc();
  server.getText("text").insert(0, text);
  return {
    server,
    update: toBase64(Y.encodeStateAsUpdate(server)),
    stateVector: toBase64(Y.encodeStateVector(server)),
  };
}

/** Serves event streams the test writes into; other endpoints as `rest` says. */
function streaming(rest: Handler = ({ init }) => hang(init)) {
  const streams: EventStream[] = [];
  const handler: Handler = (request) => {
    if (!request.url.pathname.endsWith("/events")) return rest(request);
    const stream = eventStream(request.init);
    streams.push(stream);
    return stream.response;
  };
  return { handler, streams };
}

describe("HttpSyncTransport", () => {
  it("syncs over an event stream, posts local edits but not what it received, and stops", async () => {
    const { server, update, stateVector } = serverDoc("hello");
    const posts: Uint8Array[] = [];
    const { handler, streams } = streaming(({ init }) => {
      posts.push(init.body as Uint8Array);
      return acknowledged();
    });
    const { fake, doc, transport, seen } = setup(handler);
    transport.start();
    const request = await fake.next("events");
    expect(request.url.pathname).toBe("/api/docs/doc/events");
    expect(request.url.searchParams.get("client")).toBe(String(doc.clientID));
    expect(request.url.searchParams.get("sv")).toBe("AA");
    const stream = streams[0] as EventStream;
    stream.event("update", update);
    stream.event("synced", stateVector);
    await next(transport, "synced");
    expect(doc.getText("text").toString()).toBe("hello");
    expect(transport).toMatchObject({ status: "connected", mode: "sse", synced: true });

    doc.getText("text").insert(5, " world");
    expect(transport.unsyncedChanges).toBe(1);
    await next(transport, "unsyncedChanges", ({ number }) => number === 0);
    expect(posts).toHaveLength(1);
    Y.applyUpdate(server, posts[0] as Uint8Array);
    expect(server.getText("text").toString()).toBe("hello world");

    transport.stop();
    expect(request.init.signal?.aborted).toBe(true);
    expect(transport).toMatchObject({ status: "disconnected", synced: false });
    expect(seen.status).toEqual(["connecting", "connected", "disconnected"]);
    expect(seen.synced).toEqual([true, false]);
  });

  it("reconnects a dropped stream from its current state vector, staying on event streams", async () => {
    const { update, stateVector } = serverDoc("hi");
    const { handler, streams } = streaming();
    const { fake, doc, transport, seen } = setup(handler);
    transport.start();
    await fake.next("events");
    streams[0]?.event("update", update);
    streams[0]?.event("synced", stateVector);
    await next(transport, "synced");
    streams[0]?.close();
    const again = await fake.next("events");
    expect(again.url.searchParams.get("sv")).toBe(toBase64UrlEncoded(Y.encodeStateVector(doc)));
    streams[1]?.event("update", toBase64(new Uint8Array([0, 0])));
    streams[1]?.event("synced", stateVector);
    await next(transport, "synced", ({ state }) => state);
    expect(seen.synced).toEqual([true, false, true]);
    expect(seen.mode).toEqual([]);
    expect(transport.mode).toBe("sse");
  });

  it("long-polls after event streams fail sseFailuresBeforePoll times, and says so", async () => {
    const { update, stateVector } = serverDoc("polled");
    let polls = 0;
    const { fake, doc, transport, seen } = setup(
      ({ url, init }) => {
        if (url.pathname.endsWith("/events")) return new Response("bad gateway", { status: 502 });
        polls += 1;
        if (polls > 1) return hang(init);
        return json(200, { cursor: "e.1", stateVector, update, awareness: null });
      },
      { sseFailuresBeforePoll: 2, pollTimeoutMs: 1_000 },
    );
    const mode = next(transport, "mode");
    transport.start();
    expect(await mode).toEqual({ mode: "poll" });
    await next(transport, "synced");
    expect(transport).toMatchObject({ mode: "poll", status: "connected", synced: true });
    expect(doc.getText("text").toString()).toBe("polled");
    const urls = fake.requests.map((r) => r.url);
    expect(urls.map((u) => u.pathname.split("/").at(-1))).toEqual([
      "events",
      "events",
      "poll",
      "poll",
    ]);
    expect(urls[2]?.searchParams.get("timeout")).toBe("1000");
    expect(urls[3]?.searchParams.get("since")).toBe("e.1");
    expect(seen.mode).toEqual(["poll"]);
    expect(seen.status).toEqual([
      "connecting",
      "disconnected",
      "connecting",
      "disconnected",
      "connecting",
      "connected",
    ]);
  });

  it("stops everything when a POST answers 410 document-deleted", async () => {
    const { handler, streams } = streaming(() =>
      httpError(410, Refusal.DocumentDeleted, "document doc was deleted"),
    );
    const { fake, doc, transport } = setup(handler);
    transport.start();
    const stream = await fake.next("events");
    streams[0]?.event("update", toBase64(new Uint8Array([0, 0])));
    streams[0]?.event("synced", "AA==");
    await next(transport, "synced");
    const error = next(transport, "error");
    doc.getText("text").insert(0, "too late");
    expect(await error).toEqual({
      code: Refusal.DocumentDeleted,
      message: "document doc was deleted",
      fatal: true,
    });
    expect(transport).toMatchObject({
      refusedReason: Refusal.DocumentDeleted,
      status: "disconnected",
      synced: false,
      unsyncedChanges: 1,
    });
    expect(stream.init.signal?.aborted).toBe(true);
    const requests = fake.requests.length;
    transport.start();
    expect(transport.status).toBe("disconnected");
    expect(fake.requests).toHaveLength(requests);
  });

  it("stops when the stream says the document was deleted", async () => {
    const { handler, streams } = streaming();
    const { fake, transport } = setup(handler);
    transport.start();
    await fake.next("events");
    const error = next(transport, "error");
    streams[0]?.event(
      "error",
      JSON.stringify({ code: Refusal.DocumentDeleted, message: "document doc was deleted" }),
    );
    expect(await error).toMatchObject({ code: Refusal.DocumentDeleted, fatal: true });
    expect(transport.refusedReason).toBe(Refusal.DocumentDeleted);
  });

  it("reconnects instead when the stream says the server is shutting down", async () => {
    const { handler, streams } = streaming();
    const { fake, transport, seen } = setup(handler);
    transport.start();
    await fake.next("events");
    streams[0]?.event("error", JSON.stringify({ code: Refusal.ShuttingDown, message: "bye" }));
    await fake.next("events");
    expect(transport.refusedReason).toBeNull();
    expect(seen.error).toEqual([]);
  });

  it("drops an update the server finds invalid with a non-fatal error, and carries on", async () => {
    let posts = 0;
    const { handler, streams } = streaming(() => {
      posts += 1;
      return posts === 1 ? httpError(400, Refusal.InvalidUpdate, "bad") : acknowledged();
    });
    const { fake, doc, transport } = setup(handler, { maxBatchBytes: 1 });
    transport.start();
    await fake.next("events");
    streams[0]?.event("update", toBase64(new Uint8Array([0, 0])));
    streams[0]?.event("synced", "AA==");
    await next(transport, "synced");
    const error = next(transport, "error");
    doc.getText("text").insert(0, "a");
    doc.getText("text").insert(1, "b");
    expect(await error).toEqual({ code: Refusal.InvalidUpdate, message: "bad", fatal: false });
    await next(transport, "unsyncedChanges", ({ number }) => number === 0);
    expect(posts).toBe(2);
    expect(transport).toMatchObject({ refusedReason: null, status: "connected" });
  });

  it("applies others' presence from the stream without posting it back, and removes it on stop", async () => {
    const awareness = new awarenessProtocol.Awareness(new Y.Doc());
    awareness.setLocalStateField("user", { name: "http" });
    const posted: Uint8Array[] = [];
    const { handler, streams } = streaming(({ init }) => {
      posted.push(init.body as Uint8Array);
      return acknowledged();
    });
    const { fake, transport } = setup(handler, {
      doc: awareness.doc,
      awareness,
      awarenessThrottleMs: 0,
    });
    transport.start();
    await fake.next("events");
    const other = new awarenessProtocol.Awareness(new Y.Doc());
    other.setLocalStateField("user", { name: "socket" });
    streams[0]?.event("update", toBase64(new Uint8Array([0, 0])));
    streams[0]?.event("synced", "AA==");
    streams[0]?.event(
      "awareness",
      toBase64(awarenessProtocol.encodeAwarenessUpdate(other, [other.clientID])),
    );
    const mine = await fake.next("awareness");
    expect(mine.url.searchParams.get("client")).toBe(String(awareness.clientID));
    await new Promise<void>((resolve) => {
      if (awareness.getStates().has(other.clientID)) resolve();
      else awareness.on("change", () => resolve());
    });
    expect(awareness.getStates().get(other.clientID)).toEqual({ user: { name: "socket" } });

    transport.stop();
    expect(awareness.getStates().has(other.clientID)).toBe(false);
    const leave = await fake.next("awareness");
    expect(leave.init.keepalive).toBe(true);
    // Ours at sync and the leave message; never the other client's presence.
    for (const body of posted) {
      const mirror = new awarenessProtocol.Awareness(new Y.Doc());
      awarenessProtocol.applyAwarenessUpdate(mirror, body, "server");
      expect(mirror.getStates().has(other.clientID)).toBe(false);
    }
  });
});
