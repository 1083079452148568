import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import * as awarenessProtocol from "y-protocols/awareness";
import * as Y from "yjs";
import {
  HttpSyncTransport,
  type HttpSyncTransportOptions,
} from "@/lib/collab/http/http-sync-transport";
import { type SseEvent, SseParser } from "@/lib/collab/http/sse-parser";
import { type PollAnswer, pollAnswerSchema } from "@/lib/protocol/http-sync";
import { Refusal } from "@/lib/protocol/refusals";
import { connectClient, type TestClient, waitAcknowledged, waitSynced } from "../helpers/clients";
import { type ServerProcess, spawnServer } from "../helpers/server-process";
import { startTestServer, type TestServer } from "../helpers/tandem";
import { waitUntil } from "../helpers/wait";

interface Stream {
  status: Promise<number>;
  events: SseEvent[];
  /** Resolves when the server ends the stream or it is aborted. */
  ended: Promise<void>;
  close(): void;
}

/** Reads an event stream with fetch, as the browser transport does. */
function openStream(url: string): Stream {
  const controller = new AbortController();
  const events: SseEvent[] = [];
  let resolveStatus: (status: number) => void = () => undefined;
  const status = new Promise<number>((resolve) => {
    resolveStatus = resolve;
  });
  const ended = (async () => {
    const response = await fetch(url, { signal: controller.signal });
    resolveStatus(response.status);
    if (!response.body) return;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser((event) => events.push(event));
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.push(decoder.decode(value, { stream: true }));
    }
  })().catch(() => resolveStatus(0));
  return { status, events, ended, close: () => controller.abort() };
}

const fromBase64 = (data: string) => new Uint8Array(Buffer.from(data, "base64"));
const toBase64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

function postBinary(url: string, body: Uint8Array): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/octet-stream" },
    body: new Uint8Array(body),
  });
}

/** An update inserting `text` at the start of Y.Text "text", made by its own client. */
function textUpdate(text: string, base?: Y.Doc): Uint8Array<ArrayBuffer> {
  const doc = new Y.Doc();
  if (base) Y.applyUpdate(doc, Y.encodeStateAsUpdate(base));
  const before = Y.encodeStateVector(doc);
  doc.getText("text").insert(0, text);
  const update = new Uint8Array(Y.encodeStateAsUpdate(doc, before));
  doc.destroy();
  return update;
}

/** A long-poll answer, checked against the wire format the client parses it with. */
async function pollAnswer(response: Response | Promise<Response>): Promise<PollAnswer> {
  return pollAnswerSchema.parse(await (await response).json());
}

describe("HTTP sync: server endpoints", () => {
  let server: TestServer;
  const clients: TestClient[] = [];
  const streams: Stream[] = [];

  beforeAll(async () => {
    server = await startTestServer({ MAX_MESSAGE_BYTES: "65536" });
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
    for (const stream of streams.splice(0)) stream.close();
  });
  afterAll(async () => {
    await server.dispose();
  });

  const docUrl = (id: string, rest: string) => `${server.url}/api/docs/${id}/${rest}`;
  const stream = (url: string) => {
    const opened = openStream(url);
    streams.push(opened);
    return opened;
  };
  const socket = (id: string) => {
    const client = connectClient(server.wsUrl, id);
    clients.push(client);
    return client;
  };

  it("posts an update durably and live to socket clients; streams socket edits back", async () => {
    const watcher = socket("fb-live");
    await waitSynced(watcher);
    watcher.text.insert(0, "from socket ");
    await waitAcknowledged(watcher);

    const events = stream(docUrl("fb-live", "events"));
    expect(await events.status).toBe(200);
    await waitUntil(() => events.events.some((e) => e.event === "synced"), "the stream to sync");
    const [first, second] = events.events;
    expect(first?.event).toBe("update");
    expect(second?.event).toBe("synced");
    const mirror = new Y.Doc();
    Y.applyUpdate(mirror, fromBase64(first?.data ?? ""));
    expect(mirror.getText("text").toString()).toBe("from socket ");
    expect(Y.encodeStateVector(mirror)).toEqual(fromBase64(second?.data ?? ""));

    const update = textUpdate("from http ", mirror);
    const response = await postBinary(docUrl("fb-live", "updates"), update);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    // Acknowledged means in the store's log already.
    const stored = await server.storage.log.load("fb-live");
    const fromStore = new Y.Doc();
    for (const entry of stored?.updates ?? []) Y.applyUpdate(fromStore, entry);
    expect(fromStore.getText("text").toString()).toBe("from http from socket ");
    await waitUntil(
      () => watcher.text.toString() === "from http from socket ",
      "the socket client to see the HTTP edit",
    );

    watcher.text.insert(watcher.text.length, "again");
    await waitUntil(() => {
      for (const event of events.events.slice(2)) {
        if (event.event === "update") Y.applyUpdate(mirror, fromBase64(event.data));
      }
      return mirror.getText("text").toString() === watcher.text.toString();
    }, "the stream to carry the socket edit");
  });

  it("does not echo a client's own updates on its stream", async () => {
    const events = stream(docUrl("fb-echo", "events?client=4242"));
    await waitUntil(() => events.events.some((e) => e.event === "synced"), "the stream to sync");
    const own = await postBinary(docUrl("fb-echo", "updates?client=4242"), textUpdate("own"));
    expect(own.status).toBe(200);
    const other = await postBinary(docUrl("fb-echo", "updates?client=7"), textUpdate("other"));
    expect(other.status).toBe(200);
    await waitUntil(() => events.events.length >= 3, "the other client's update");
    const mirror = new Y.Doc();
    for (const event of events.events.filter((e) => e.event === "update")) {
      Y.applyUpdate(mirror, fromBase64(event.data));
    }
    expect(mirror.getText("text").toString()).toBe("other");
  });

  it("refuses bad input with JSON errors and leaves the document alone", async () => {
    const watcher = socket("fb-bad");
    await waitSynced(watcher);
    watcher.text.insert(0, "intact");
    await waitAcknowledged(watcher);
    const before = await server.storage.log.load("fb-bad");

    const cases: Array<[string, RequestInit, number, string]> = [
      [
        "fb-bad/updates",
        { method: "POST", body: new Uint8Array([1, 2, 3, 250, 251]) },
        400,
        "invalid-update",
      ],
      ["fb-bad/updates", { method: "POST", body: new Uint8Array() }, 400, "invalid-update"],
      [
        "fb-bad/updates",
        { method: "POST", body: new Uint8Array(70_000) },
        413,
        "payload-too-large",
      ],
      [
        "fb-bad/updates",
        { method: "POST", headers: { "content-type": "application/json" }, body: "{}" },
        415,
        "unsupported-media-type",
      ],
      ["bad!id/updates", { method: "POST", body: textUpdate("x") }, 400, "invalid-document-id"],
      ["fb-bad/updates?client=-1", { method: "POST", body: textUpdate("x") }, 400, "invalid-query"],
      [
        "fb-bad/awareness",
        { method: "POST", body: new Uint8Array([5, 1]) },
        400,
        "invalid-awareness",
      ],
      ["fb-bad/events?sv=***", { method: "GET" }, 400, "invalid-query"],
      ["fb-bad/events?sv=AQ", { method: "GET" }, 400, "invalid-state-vector"],
      ["fb-bad/poll?sv=AQ", { method: "GET" }, 400, "invalid-state-vector"],
      ["fb-bad/poll?timeout=soon", { method: "GET" }, 400, "invalid-query"],
      ["fb-bad/events", { method: "POST" }, 405, "method-not-allowed"],
    ];
    for (const [route, init, status, code] of cases) {
      const response = await fetch(`${server.url}/api/docs/${route}`, init);
      expect(`${route} ${response.status}`).toBe(`${route} ${status}`);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(0);
    }

    expect(await server.storage.log.load("fb-bad")).toEqual(before);
    watcher.text.insert(6, "!");
    await waitAcknowledged(watcher);
    expect(watcher.provider.isSynced).toBe(true);
    const state = await fetch(docUrl("fb-bad", "state"));
    const check = new Y.Doc();
    Y.applyUpdate(check, new Uint8Array(await state.arrayBuffer()));
    expect(check.getText("text").toString()).toBe("intact!");
  });

  it("creates an unknown document like a socket would, and refuses deleted ones", async () => {
    const created = await postBinary(docUrl("fb-new-doc", "updates"), textUpdate("hello"));
    expect(created.status).toBe(200);
    const meta = await fetch(`${server.url}/api/docs/fb-new-doc`);
    expect(meta.status).toBe(200);

    const events = stream(docUrl("fb-new-doc", "events"));
    await waitUntil(() => events.events.some((e) => e.event === "synced"), "the stream to sync");
    const poll = fetch(docUrl("fb-new-doc", `poll?sv=${toBase64url(new Uint8Array([0]))}`));
    // The poll has nothing to wait for: it lacks everything, so it answers at once.
    expect((await poll).status).toBe(200);

    expect((await fetch(`${server.url}/api/docs/fb-new-doc`, { method: "DELETE" })).status).toBe(
      204,
    );
    await events.ended;
    const last = events.events.at(-1);
    expect(last?.event).toBe("error");
    expect(JSON.parse(last?.data ?? "{}")).toMatchObject({ code: Refusal.DocumentDeleted });

    for (const [route, init] of [
      ["updates", { method: "POST", body: textUpdate("late") }],
      ["awareness", { method: "POST", body: new Uint8Array([0]) }],
      ["events", { method: "GET" }],
      ["poll", { method: "GET" }],
    ] as Array<[string, RequestInit]>) {
      const response = await fetch(docUrl("fb-new-doc", route), init);
      expect(`${route} ${response.status}`).toBe(`${route} 410`);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
        Refusal.DocumentDeleted,
      );
    }
    await waitUntil(
      () => !server.hocuspocus.documents.has("fb-new-doc"),
      "the deleted document to unload",
    );
  });

  it("long-polls: answers at once when behind, waits for the next change otherwise", async () => {
    const writer = socket("fb-poll");
    await waitSynced(writer);
    writer.text.insert(0, "one");
    await waitAcknowledged(writer);

    const first = await pollAnswer(fetch(docUrl("fb-poll", "poll?client=9")));
    const mirror = new Y.Doc();
    Y.applyUpdate(mirror, fromBase64(first.update ?? ""));
    expect(mirror.getText("text").toString()).toBe("one");

    const started = Date.now();
    const empty = await pollAnswer(
      fetch(
        docUrl(
          "fb-poll",
          `poll?client=9&timeout=50&since=${first.cursor}&sv=${toBase64url(Y.encodeStateVector(mirror))}`,
        ),
      ),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(empty.update).toBeNull();

    const waiting = fetch(
      docUrl(
        "fb-poll",
        `poll?client=9&since=${empty.cursor}&sv=${toBase64url(Y.encodeStateVector(mirror))}`,
      ),
    );
    await waitUntil(
      () => (server.hocuspocus.documents.get("fb-poll")?.getConnectionsCount() ?? 0) >= 2,
      "the poll to hold the document",
    );
    // A deletion does not move the state vector; the cursor still tells the poll it is news.
    writer.text.delete(0, 1);
    const next = await pollAnswer(waiting);
    Y.applyUpdate(mirror, fromBase64(next.update ?? ""));
    expect(mirror.getText("text").toString()).toBe("ne");
  });

  it("carries presence both ways and drops a stream's presence when it closes", async () => {
    const peer = socket("fb-presence");
    await waitSynced(peer);
    peer.provider.setAwarenessField("user", { name: "socket" });

    const events = stream(docUrl("fb-presence", "events?client=555"));
    await waitUntil(
      () => events.events.some((e) => e.event === "awareness"),
      "the socket user's presence on the stream",
    );
    const local = new Y.Doc();
    local.clientID = 555;
    const awareness = new awarenessProtocol.Awareness(local);
    for (const event of events.events.filter((e) => e.event === "awareness")) {
      awarenessProtocol.applyAwarenessUpdate(awareness, fromBase64(event.data), "remote");
    }
    expect(awareness.getStates().get(peer.doc.clientID)).toEqual({ user: { name: "socket" } });

    awareness.setLocalStateField("user", { name: "http" });
    const posted = await postBinary(
      docUrl("fb-presence", "awareness?client=555"),
      awarenessProtocol.encodeAwarenessUpdate(awareness, [555]),
    );
    expect(posted.status).toBe(200);
    await waitUntil(
      () =>
        JSON.stringify(peer.provider.awareness?.getStates().get(555)) ===
        JSON.stringify({ user: { name: "http" } }),
      "the socket user to see the HTTP user's presence",
    );
    // Its own presence is not echoed on its stream.
    expect(
      events.events.filter(
        (e) =>
          e.event === "awareness" &&
          awarenessStates(fromBase64(e.data)).some(([clientId]) => clientId === 555),
      ),
    ).toHaveLength(0);

    events.close();
    await waitUntil(
      () => !peer.provider.awareness?.getStates().has(555),
      "the HTTP user's presence to go when its stream closes",
    );
    awareness.destroy();
  });

  it("exports metrics", async () => {
    const body = await (await fetch(`${server.url}/metrics`)).text();
    expect(body).toContain("tandem_http_sync_requests_total");
    expect(body).toMatch(/tandem_http_sync_requests_total\{endpoint="updates",status="200"\} \d+/);
    expect(body).toContain("tandem_http_sync_streams");
  });
});

interface HttpClient {
  doc: Y.Doc;
  text: Y.Text;
  awareness: awarenessProtocol.Awareness;
  transport: HttpSyncTransport;
  destroy(): void;
}

function httpClient(
  baseUrl: string,
  docId: string,
  options: Partial<HttpSyncTransportOptions> = {},
): HttpClient {
  const doc = options.doc ?? new Y.Doc();
  const awareness = options.awareness ?? new awarenessProtocol.Awareness(doc);
  const transport = new HttpSyncTransport({
    baseUrl,
    docId,
    doc,
    awareness,
    // Tests break connections on purpose; retry quickly.
    retryMinMs: 20,
    retryMaxMs: 200,
    ...options,
  });
  return {
    doc,
    text: doc.getText("text"),
    awareness,
    transport,
    destroy() {
      transport.destroy();
      awareness.destroy();
      doc.destroy();
    },
  };
}

async function waitHttpAcknowledged(client: HttpClient): Promise<void> {
  await waitUntil(
    () => client.transport.synced && client.transport.unsyncedChanges === 0,
    "every HTTP change to be acknowledged",
  );
}

describe("HttpSyncTransport", () => {
  let server: TestServer;
  const clients: TestClient[] = [];
  const httpClients: HttpClient[] = [];

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
    for (const client of httpClients.splice(0)) client.destroy();
  });
  afterAll(async () => {
    await server.dispose();
  });

  const socket = (id: string) => {
    const client = connectClient(server.wsUrl, id);
    clients.push(client);
    return client;
  };
  const http = (id: string, options: Partial<HttpSyncTransportOptions> = {}) => {
    const client = httpClient(server.url, id, options);
    httpClients.push(client);
    return client;
  };

  for (const mode of ["sse", "poll"] as const) {
    it(`converges with a socket client under concurrent edits (${mode})`, async () => {
      const id = `tr-converge-${mode}`;
      const peer = socket(id);
      const web = http(id, { mode });
      const statuses: string[] = [];
      web.transport.on("status", ({ status }) => statuses.push(status));
      web.transport.start();
      await Promise.all([
        waitSynced(peer),
        waitUntil(() => web.transport.synced, "the HTTP client to sync"),
      ]);
      expect(web.transport.status).toBe("connected");
      expect(web.transport.mode).toBe(mode);
      expect(statuses).toEqual(["connecting", "connected"]);

      for (let i = 0; i < 50; i++) {
        web.text.insert(Math.floor(web.text.length / 2), `h${i} `);
        peer.text.insert(Math.floor(peer.text.length / 3), `s${i} `);
        if (i % 10 === 9) {
          web.text.delete(0, 2);
          peer.text.delete(peer.text.length - 2, 1);
        }
        if (i % 7 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      web.doc.getMap("meta").set("from", "http");
      await waitUntil(
        () =>
          web.transport.unsyncedChanges === 0 &&
          peer.provider.unsyncedChanges === 0 &&
          web.text.toString() === peer.text.toString() &&
          Y.encodeStateVector(web.doc).toString() === Y.encodeStateVector(peer.doc).toString(),
        "the HTTP and socket clients to converge",
      );
      expect(peer.doc.getMap("meta").get("from")).toBe("http");
      expect(web.text.toString().split(" ").filter(Boolean).length).toBeGreaterThan(80);

      // The server holds the converged state too.
      const state = await fetch(`${server.url}/api/docs/${id}/state`);
      const fresh = new Y.Doc();
      Y.applyUpdate(fresh, new Uint8Array(await state.arrayBuffer()));
      expect(fresh.getText("text").toString()).toBe(web.text.toString());
    });

    it(`carries presence both ways and removes it on stop (${mode})`, async () => {
      const id = `tr-presence-${mode}`;
      const peer = socket(id);
      await waitSynced(peer);
      peer.provider.setAwarenessField("user", { name: "socket" });
      const web = http(id, { mode, awarenessThrottleMs: 20 });
      web.awareness.setLocalStateField("user", { name: "http" });
      web.transport.start();
      await waitUntil(
        () =>
          JSON.stringify(web.awareness.getStates().get(peer.doc.clientID)) ===
          JSON.stringify({ user: { name: "socket" } }),
        "the HTTP client to see the socket user",
      );
      await waitUntil(
        () =>
          JSON.stringify(peer.provider.awareness?.getStates().get(web.doc.clientID)) ===
          JSON.stringify({ user: { name: "http" } }),
        "the socket user to see the HTTP client",
      );

      web.awareness.setLocalStateField("cursor", { anchor: 3 });
      await waitUntil(
        () =>
          JSON.stringify(peer.provider.awareness?.getStates().get(web.doc.clientID)) ===
          JSON.stringify({ user: { name: "http" }, cursor: { anchor: 3 } }),
        "the caret to move for the socket user",
      );
      peer.provider.setAwarenessField("cursor", { anchor: 1 });
      await waitUntil(
        () =>
          JSON.stringify(web.awareness.getStates().get(peer.doc.clientID)) ===
          JSON.stringify({ user: { name: "socket" }, cursor: { anchor: 1 } }),
        "the socket user's caret to reach the HTTP client",
      );

      web.transport.stop();
      expect(web.transport.status).toBe("disconnected");
      expect(web.awareness.getStates().has(peer.doc.clientID)).toBe(false);
      await waitUntil(
        () => !peer.provider.awareness?.getStates().has(web.doc.clientID),
        "the HTTP client's presence to go",
      );
    });
  }

  it("delivers edits made offline, before start()", async () => {
    const peer = socket("tr-offline");
    await waitSynced(peer);
    peer.text.insert(0, "server text. ");
    await waitAcknowledged(peer);

    const doc = new Y.Doc();
    doc.getText("text").insert(0, "offline one. offline two.");
    doc.getText("text").delete(0, 4);
    const web = http("tr-offline", { doc });
    const counts: number[] = [];
    web.transport.on("unsyncedChanges", ({ number }) => counts.push(number));
    web.transport.start();
    await waitHttpAcknowledged(web);
    expect(counts).toContain(1);
    await waitUntil(
      () => peer.text.toString() === web.text.toString(),
      "the socket client to get the offline edits",
    );
    expect(peer.text.toString()).toContain("ine one. offline two.");
    expect(peer.text.toString()).toContain("server text. ");
  });

  it("falls back to long-polling when event streams are blocked", async () => {
    const blocked: string[] = [];
    const web = http("tr-blocked", {
      fetch: (input, init) => {
        const url = String(input);
        if (url.includes("/events")) {
          blocked.push(url);
          return Promise.resolve(new Response("bad gateway", { status: 502 }));
        }
        return fetch(input, init);
      },
    });
    const modes: string[] = [];
    web.transport.on("mode", ({ mode }) => modes.push(mode));
    web.transport.start();
    await waitUntil(() => web.transport.synced, "the HTTP client to sync by polling");
    expect(modes).toEqual(["poll"]);
    expect(web.transport.mode).toBe("poll");
    expect(blocked).toHaveLength(3);

    const peer = socket("tr-blocked");
    await waitSynced(peer);
    peer.text.insert(0, "pushed");
    await waitUntil(() => web.text.toString() === "pushed", "the poll to deliver the edit");
  });

  it("falls back when a proxy buffers the stream (it opens but never delivers)", async () => {
    const web = http("tr-buffered", {
      sseSyncTimeoutMs: 100,
      sseFailuresBeforePoll: 2,
      fetch: (input, init) => {
        if (String(input).includes("/events")) {
          // Headers arrive, the body never does: what a buffering proxy looks like.
          const body = new ReadableStream<Uint8Array>({
            start(controller) {
              init?.signal?.addEventListener("abort", () => controller.error(new Error("aborted")));
            },
          });
          return Promise.resolve(
            new Response(body, { headers: { "content-type": "text/event-stream" } }),
          );
        }
        return fetch(input, init);
      },
    });
    web.transport.start();
    await waitUntil(() => web.transport.synced, "the HTTP client to sync by polling");
    expect(web.transport.mode).toBe("poll");
  });

  it("falls back when a stream delivers the first sync, then goes silent", async () => {
    let streams = 0;
    const web = http("tr-stalled", {
      sseIdleTimeoutMs: 100,
      sseFailuresBeforePoll: 2,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (!String(input).includes("/events") || !response.body) return response;
        streams += 1;
        // Pass the first chunk (the initial sync) through, then hold everything back.
        const reader = response.body.getReader();
        const first = await reader.read();
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            if (first.value) controller.enqueue(first.value);
            init?.signal?.addEventListener("abort", () => {
              controller.error(new Error("aborted"));
              reader.cancel().catch(() => undefined);
            });
          },
        });
        return new Response(body, { headers: response.headers });
      },
    });
    const synced: boolean[] = [];
    web.transport.on("synced", ({ state }) => synced.push(state));
    web.transport.start();
    await waitUntil(() => web.transport.mode === "poll", "the transport to give up on streams");
    expect(streams).toBe(2);
    expect(synced.slice(0, 4)).toEqual([true, false, true, false]);
    await waitUntil(() => web.transport.synced, "the HTTP client to sync by polling");
  });

  it("retries failed posts without losing or reordering edits", async () => {
    let failures = 0;
    const posted: number[] = [];
    const web = http("tr-retry", {
      fetch: (input, init) => {
        if (String(input).includes("/updates")) {
          // Every other post fails as if the network dropped it.
          failures += 1;
          if (failures % 2 === 1) return Promise.reject(new TypeError("fetch failed"));
          posted.push(failures);
        }
        return fetch(input, init);
      },
    });
    web.transport.start();
    await waitUntil(() => web.transport.synced, "the HTTP client to sync");
    // Four bursts of five edits, each typed once the one before is acknowledged, so each
    // goes out in posts of its own, queued behind a failed post and its retry.
    for (let i = 0; i < 20; i++) {
      web.text.insert(web.text.length, `${i},`);
      if (i % 5 === 4) await waitHttpAcknowledged(web);
    }
    await waitHttpAcknowledged(web);
    expect(failures).toBeGreaterThan(1);
    const peer = socket("tr-retry");
    await waitSynced(peer);
    expect(peer.text.toString()).toBe(Array.from({ length: 20 }, (_, i) => `${i},`).join(""));
  });

  it("runs beside a socket provider on one document without posting what the socket received", async () => {
    const both = socket("tr-both");
    const posts: Uint8Array[] = [];
    const web = http("tr-both", {
      doc: both.doc,
      ignoreOrigin: (origin) => origin === both.provider,
      fetch: async (input, init) => {
        if (String(input).includes("/updates") && init?.body instanceof Uint8Array) {
          posts.push(init.body);
        }
        return fetch(input, init);
      },
    });
    web.transport.start();
    await Promise.all([
      waitSynced(both),
      waitUntil(() => web.transport.synced, "the HTTP side to sync"),
    ]);
    const peer = socket("tr-both");
    await waitSynced(peer);
    for (let i = 0; i < 10; i++) peer.text.insert(0, `${i}`);
    await waitUntil(() => both.text.toString() === peer.text.toString(), "the edits to arrive");
    expect(posts).toHaveLength(0);
    both.text.insert(0, "mine ");
    await waitHttpAcknowledged(web);
    await waitAcknowledged(both);
    expect(posts).toHaveLength(1);
    await waitUntil(() => peer.text.toString() === both.text.toString(), "convergence");
  });

  it("stops for good when the document is deleted", async () => {
    const web = http("tr-deleted");
    const errors: Array<{ code: string; fatal: boolean }> = [];
    web.transport.on("error", (error) => errors.push(error));
    web.transport.start();
    await waitUntil(() => web.transport.synced, "the HTTP client to sync");
    web.text.insert(0, "soon gone");
    await waitHttpAcknowledged(web);
    expect((await fetch(`${server.url}/api/docs/tr-deleted`, { method: "DELETE" })).status).toBe(
      204,
    );
    await waitUntil(() => web.transport.refusedReason !== null, "the transport to be refused");
    expect(web.transport.refusedReason).toBe(Refusal.DocumentDeleted);
    expect(web.transport.status).toBe("disconnected");
    expect(errors.at(-1)).toMatchObject({ code: Refusal.DocumentDeleted, fatal: true });
    // A later start() does not resurrect it.
    web.transport.start();
    expect(web.transport.status).toBe("disconnected");
  });
});

describe("HTTP sync: durability", () => {
  let dataDir: string;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "tandem-fallback-"));
  });
  afterEach(async () => {
    // The next test opens the same data directory, which LevelDB locks.
    for (const server of servers) server.child.kill("SIGKILL");
    await Promise.all(servers.splice(0).map((server) => server.exited));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps an acknowledged HTTP update through SIGKILL", async () => {
    const first = await spawnServer({ DATA_DIR: dataDir });
    servers.push(first);
    const streamed = openStream(`${first.url}/api/docs/fb-durable/events`);
    await waitUntil(() => streamed.events.some((e) => e.event === "synced"), "the stream");
    const response = await postBinary(
      `${first.url}/api/docs/fb-durable/updates`,
      textUpdate("survives"),
    );
    expect(response.status).toBe(200);
    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    await streamed.ended;

    const second = await spawnServer({ DATA_DIR: dataDir });
    servers.push(second);
    const state = await fetch(`${second.url}/api/docs/fb-durable/state`);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, new Uint8Array(await state.arrayBuffer()));
    expect(doc.getText("text").toString()).toBe("survives");
  });

  it("keeps an HTTP transport's acknowledged edits through SIGKILL", async () => {
    const first = await spawnServer({ DATA_DIR: dataDir });
    servers.push(first);
    const web = httpClient(first.url, "fb-durable-transport");
    try {
      web.transport.start();
      await waitUntil(() => web.transport.synced, "the HTTP client to sync");
      for (let i = 0; i < 30; i++) web.text.insert(web.text.length, `${i} `);
      await waitHttpAcknowledged(web);
      const acknowledged = web.text.toString();
      first.child.kill("SIGKILL");
      expect((await first.exited).signal).toBe("SIGKILL");
      web.transport.stop();

      const second = await spawnServer({ DATA_DIR: dataDir });
      servers.push(second);
      const state = await fetch(`${second.url}/api/docs/fb-durable-transport/state`);
      const doc = new Y.Doc();
      Y.applyUpdate(doc, new Uint8Array(await state.arrayBuffer()));
      expect(doc.getText("text").toString()).toBe(acknowledged);
    } finally {
      web.destroy();
    }
  });

  it("ends open streams and polls at shutdown instead of waiting for them", async () => {
    const server = await startTestServer();
    try {
      const streamed = openStream(`${server.url}/api/docs/fb-shutdown/events`);
      await waitUntil(() => streamed.events.some((e) => e.event === "synced"), "the stream");
      const first = await pollAnswer(fetch(`${server.url}/api/docs/fb-shutdown/poll`));
      const poll = fetch(
        `${server.url}/api/docs/fb-shutdown/poll?since=${first.cursor}&sv=${toBase64url(fromBase64(first.stateVector))}`,
      );
      await waitUntil(
        async () =>
          (await (await fetch(`${server.url}/metrics`)).text()).includes(
            "tandem_http_sync_polls_waiting 1",
          ),
        "the poll to wait",
      );
      const started = Date.now();
      await server.close();
      expect(Date.now() - started).toBeLessThan(5_000);
      await streamed.ended;
      expect(streamed.events.at(-1)?.event).toBe("error");
      expect((await poll).status).toBe(200);
      expect(server.hocuspocus.getDocumentsCount()).toBe(0);
    } finally {
      await server.dispose();
    }
  });
});

/** [clientId, state] pairs of an encoded awareness update. */
function awarenessStates(update: Uint8Array): Array<[number, unknown]> {
  const doc = new Y.Doc();
  const awareness = new awarenessProtocol.Awareness(doc);
  awareness.setLocalState(null);
  awarenessProtocol.applyAwarenessUpdate(awareness, update, "read");
  const states = [...awareness.getStates().entries()];
  awareness.destroy();
  doc.destroy();
  return states;
}
