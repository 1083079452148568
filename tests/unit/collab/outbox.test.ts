import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { Refused, type Rejected } from "@/lib/collab/http/failures";
import { Outbox } from "@/lib/collab/http/outbox";
import { Refusal } from "@/lib/protocol/refusals";
import { acknowledged, fakeFetch, type Handler, hang, httpError, type Request } from "./fake-fetch";

const UPDATES_URL = "http://tandem.test/api/docs/d/updates?client=1";

function setup(handler: Handler, options: { maxBatchBytes?: number } = {}) {
  const doc = new Y.Doc();
  const text = doc.getText("text");
  const fake = fakeFetch(handler);
  const dropped: Array<Refused | Rejected> = [];
  const refused: Array<Refused | Rejected> = [];
  const run = new AbortController();
  let changed: Array<() => void> = [];
  const outbox: Outbox = new Outbox({
    doc,
    fetch: fake.fetch,
    url: () => UPDATES_URL,
    maxBatchBytes: options.maxBatchBytes ?? 1024 * 1024,
    retryMinMs: 1,
    retryMaxMs: 2,
    onChange: () => {
      counts.push(outbox.unsyncedChanges);
      for (const listener of changed) listener();
    },
    onDropped: (failure) => dropped.push(failure),
    onRefused: (failure) => {
      refused.push(failure);
      run.abort();
      outbox.close();
    },
  });
  const counts: number[] = [];
  const updates: Uint8Array[] = [];
  doc.on("update", (update: Uint8Array) => {
    updates.push(update);
    outbox.push(update);
  });
  /** Resolves at the first change after which `unsyncedChanges` is `n`. */
  const unsynced = (n: number) =>
    new Promise<void>((resolve) => {
      if (outbox.unsyncedChanges === n) return resolve();
      const listener = () => {
        if (outbox.unsyncedChanges !== n) return;
        changed = changed.filter((l) => l !== listener);
        resolve();
      };
      changed.push(listener);
    });
  const bodies = () => fake.requests.map((r) => r.init.body as Uint8Array);
  return { doc, text, fake, outbox, run, counts, updates, dropped, refused, unsynced, bodies };
}

/** A response the test sends when it likes. */
function deferred() {
  let answer!: (response: Response) => void;
  const promise = new Promise<Response>((resolve) => {
    answer = resolve;
  });
  return { promise, answer };
}

/** The text a fresh document holds after applying `updates` in order. */
function textOf(updates: Uint8Array[], base?: Y.Doc): string {
  const doc = new Y.Doc();
  if (base) Y.applyUpdate(doc, Y.encodeStateAsUpdate(base));
  for (const update of updates) Y.applyUpdate(doc, update);
  return doc.getText("text").toString();
}

describe("Outbox", () => {
  it("posts nothing until opened, then one POST at a time, in order, merging what queued meanwhile", async () => {
    const answers = [deferred(), deferred()];
    let inFlight = 0;
    let mostInFlight = 0;
    const { fake, text, outbox, run, counts, unsynced, bodies } = setup(() => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      const answer = answers[fake.requests.length - 1] as ReturnType<typeof deferred>;
      return answer.promise.finally(() => {
        inFlight -= 1;
      });
    });
    text.insert(0, "a");
    expect(outbox.unsyncedChanges).toBe(1);
    expect(fake.requests).toHaveLength(0);

    outbox.open(run.signal);
    const first = await fake.next("updates");
    expect(first.url.href).toBe(UPDATES_URL);
    expect(first.init).toMatchObject({
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      signal: run.signal,
    });
    text.insert(1, "b");
    text.insert(2, "c");
    expect(outbox.unsyncedChanges).toBe(3);

    answers[0]?.answer(acknowledged());
    await fake.next("updates");
    expect(outbox.unsyncedChanges).toBe(2);
    answers[1]?.answer(acknowledged());
    await unsynced(0);

    expect(fake.requests).toHaveLength(2);
    expect(mostInFlight).toBe(1);
    expect(textOf(bodies().slice(0, 1))).toBe("a");
    expect(textOf(bodies())).toBe("abc");
    expect(counts).toEqual([1, 2, 3, 2, 0]);
  });

  it("merges queued updates up to maxBatchBytes per POST", async () => {
    const small = setup(() => acknowledged(), { maxBatchBytes: 1 });
    for (const letter of "xyz") small.text.insert(small.text.length, letter);
    small.outbox.open(small.run.signal);
    await small.unsynced(0);
    expect(small.bodies()).toEqual(small.updates);

    const large = setup(() => acknowledged());
    for (const letter of "xyz") large.text.insert(large.text.length, letter);
    large.outbox.open(large.run.signal);
    await large.unsynced(0);
    expect(large.bodies()).toEqual([Y.mergeUpdates(large.updates)]);
  });

  it("retries a batch after a 503 or a network failure until it is acknowledged", async () => {
    let calls = 0;
    const { text, outbox, run, unsynced, bodies, dropped, refused } = setup(() => {
      calls += 1;
      if (calls === 1) return httpError(503, Refusal.StorageUnavailable);
      if (calls === 2) return Promise.reject(new TypeError("fetch failed"));
      return acknowledged();
    });
    text.insert(0, "kept");
    outbox.open(run.signal);
    await unsynced(0);
    expect(calls).toBe(3);
    const [first, ...rest] = bodies();
    for (const body of rest) expect(body).toEqual(first);
    expect(dropped).toEqual([]);
    expect(refused).toEqual([]);
  });

  it("does not take a 200 that is not the server's acknowledgement (a captive portal's page) as durable", async () => {
    let calls = 0;
    const { text, outbox, run, unsynced, counts } = setup(() => {
      calls += 1;
      if (calls === 1) {
        return new Response("<html>Sign in to the Wi-Fi</html>", {
          status: 200,
          headers: { "content-type": "text/html" },
        });
      }
      return acknowledged();
    });
    text.insert(0, "kept");
    outbox.open(run.signal);
    await unsynced(0);
    expect(calls).toBe(2);
    // It stayed unsynced through the portal's answer.
    expect(counts.filter((n) => n === 0)).toHaveLength(1);
  });

  it("drops only the batch the server finds invalid or too large, with a non-fatal error", async () => {
    let calls = 0;
    const { text, outbox, run, unsynced, bodies, updates, dropped, refused } = setup(
      () => {
        calls += 1;
        if (calls === 2) return httpError(400, Refusal.InvalidUpdate, "bad update");
        if (calls === 3) return httpError(413, "payload-too-large", "too big");
        return acknowledged();
      },
      { maxBatchBytes: 1 },
    );
    for (const letter of "abcd") text.insert(text.length, letter);
    outbox.open(run.signal);
    await unsynced(0);
    expect(bodies()).toEqual(updates);
    expect(dropped.map((f) => [f.reason, f.message])).toEqual([
      [Refusal.InvalidUpdate, "bad update"],
      ["payload-too-large", "too big"],
    ]);
    expect(refused).toEqual([]);
    expect(run.signal.aborted).toBe(false);
  });

  it("reports a refused document and keeps the batch", async () => {
    const { fake, text, outbox, run, refused } = setup(() =>
      httpError(410, Refusal.DocumentDeleted, "gone"),
    );
    text.insert(0, "lost?");
    outbox.open(run.signal);
    await new Promise<void>((resolve) => run.signal.addEventListener("abort", () => resolve()));
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(Refused);
    expect(refused[0]).toMatchObject({ reason: Refusal.DocumentDeleted, message: "gone" });
    text.insert(0, "more ");
    expect(outbox.unsyncedChanges).toBe(2);
    expect(fake.requests).toHaveLength(1);
  });

  it("replaces the queue by the diff against the server's state vector, keeping the count", async () => {
    const server = new Y.Doc();
    const { doc, text, outbox, run, unsynced, bodies } = setup(() => acknowledged());
    text.insert(0, "a");
    Y.applyUpdate(server, Y.encodeStateAsUpdate(doc));
    text.insert(1, "b");
    text.insert(2, "c");
    expect(outbox.unsyncedChanges).toBe(3);

    outbox.replaceByServerDiff(Y.encodeStateVector(server));
    expect(outbox.unsyncedChanges).toBe(3);
    outbox.open(run.signal);
    await unsynced(0);
    expect(bodies()).toHaveLength(1);
    expect(bodies()[0]).toEqual(Y.encodeStateAsUpdate(doc, Y.encodeStateVector(server)));
    expect(textOf(bodies(), server)).toBe("abc");
  });

  it("queues what the server lacks even when nothing was typed since start (offline edits)", () => {
    const { doc, outbox } = setup(() => acknowledged());
    const offline = new Y.Doc();
    offline.getText("text").insert(0, "typed offline");
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(offline), "load");
    // Pushed by the doc listener; the diff replaces it and counts as one change.
    outbox.replaceByServerDiff(new Uint8Array([0]));
    expect(outbox.unsyncedChanges).toBe(1);
  });

  it("posts a batch cut off by a stop again after the next open", async () => {
    let calls = 0;
    const { fake, text, outbox, run, unsynced, bodies } = setup(({ init }) => {
      calls += 1;
      return calls === 1 ? hang(init) : acknowledged();
    });
    text.insert(0, "survives");
    outbox.open(run.signal);
    await fake.next("updates");
    run.abort();
    outbox.close();
    expect(outbox.unsyncedChanges).toBe(1);
    const next = new AbortController();
    outbox.open(next.signal);
    await unsynced(0);
    const [first, second] = bodies() as [Uint8Array, Uint8Array];
    expect(second).toEqual(first);
    expect((fake.requests[1] as Request).init.signal).toBe(next.signal);
  });
});
