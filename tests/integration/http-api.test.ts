import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { Refusal } from "@/lib/protocol/refusals";
import { connectClient, type TestClient, waitAcknowledged, waitSynced } from "../helpers/clients";
import { startTestServer, type TestServer } from "../helpers/tandem";
import { waitUntil } from "../helpers/wait";

describe("HTTP document API", () => {
  let server: TestServer;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    for (const client of clients) client.destroy();
    await server.dispose();
  });

  const api = (path: string, init?: RequestInit) => fetch(`${server.url}${path}`, init);
  const json = (body: unknown): RequestInit => ({
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

  it("creates, lists, renames and deletes documents", async () => {
    const created = await api("/api/docs", json({ title: "Plans" }));
    expect(created.status).toBe(201);
    const { doc } = (await created.json()) as { doc: { id: string; title: string } };
    expect(doc.title).toBe("Plans");

    const list = (await (await api("/api/docs")).json()) as { docs: Array<{ id: string }> };
    expect(list.docs.map((d) => d.id)).toContain(doc.id);

    const renamed = await api(`/api/docs/${doc.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Better plans" }),
    });
    expect(renamed.status).toBe(200);
    expect(((await renamed.json()) as { doc: { title: string } }).doc.title).toBe("Better plans");

    // The title also lives in the document, so editors see renames live.
    const reader = connectClient(server.wsUrl, doc.id);
    clients.push(reader);
    await waitSynced(reader);
    expect(reader.doc.getMap("meta").get("title")).toBe("Better plans");

    expect((await api(`/api/docs/${doc.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await api(`/api/docs/${doc.id}`)).status).toBe(410);
    expect((await api(`/api/docs/${doc.id}/state`)).status).toBe(410);
    const again = await api("/api/docs", json({ id: doc.id }));
    expect(again.status).toBe(410);
  });

  it("serves the live state with an ETag and renders HTML from the editor schema", async () => {
    const writer = connectClient(server.wsUrl, "state-doc");
    clients.push(writer);
    await waitSynced(writer);
    const fragment = writer.doc.getXmlFragment("default");
    const heading = new Y.XmlElement("heading");
    heading.setAttribute("level", "1");
    heading.insert(0, [new Y.XmlText("Hello <world>")]);
    const paragraph = new Y.XmlElement("paragraph");
    paragraph.insert(0, [new Y.XmlText("second line")]);
    fragment.insert(0, [heading, paragraph]);
    writer.doc.getMap("extra").set("k", 1);
    await waitAcknowledged(writer);

    const response = await api("/api/docs/state-doc/state");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/octet-stream");
    const etag = response.headers.get("etag");
    expect(etag).toBeTruthy();
    const fresh = new Y.Doc();
    Y.applyUpdate(fresh, new Uint8Array(await response.arrayBuffer()));
    expect(fresh.getXmlFragment("default").toString()).toBe(fragment.toString());
    expect(fresh.getMap("extra").get("k")).toBe(1);
    expect(Y.encodeStateVector(fresh)).toEqual(Y.encodeStateVector(writer.doc));

    const cached = await api("/api/docs/state-doc/state", {
      headers: { "if-none-match": etag ?? "" },
    });
    expect(cached.status).toBe(304);
    writer.text.insert(0, "change");
    await waitAcknowledged(writer);
    const changed = await api("/api/docs/state-doc/state", {
      headers: { "if-none-match": etag ?? "" },
    });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);

    const html = await (await api("/api/docs/state-doc/html")).text();
    expect(html).toContain("<h1>Hello &lt;world&gt;</h1>");
    expect(html).toContain("<p>second line</p>");
  });

  it("reads state from storage when the document is not loaded", async () => {
    const writer = connectClient(server.wsUrl, "cold-doc");
    await waitSynced(writer);
    writer.text.insert(0, "cold");
    await waitAcknowledged(writer);
    writer.destroy();
    await waitUntil(() => !server.hocuspocus.documents.has("cold-doc"), "the document to unload");
    const response = await api("/api/docs/cold-doc/state");
    const fresh = new Y.Doc();
    Y.applyUpdate(fresh, new Uint8Array(await response.arrayBuffer()));
    expect(fresh.getText("text").toString()).toBe("cold");
    expect(server.hocuspocus.documents.has("cold-doc")).toBe(false);
  });

  it("answers bad requests with JSON errors", async () => {
    const cases: Array<[string, RequestInit | undefined, number, string]> = [
      ["/api/docs/nope-unknown", undefined, 404, Refusal.DocumentNotFound],
      ["/api/docs/nope-unknown/state", undefined, 404, Refusal.DocumentNotFound],
      ["/api/docs/nope-unknown/html", undefined, 404, Refusal.DocumentNotFound],
      ["/api/docs/bad!id", undefined, 400, Refusal.InvalidDocumentId],
      ["/api/docs", { method: "PUT" }, 405, "method-not-allowed"],
      ["/api/docs", { method: "POST", body: "{}" }, 415, "unsupported-media-type"],
      ["/api/docs", { ...json({}), body: "{not json" }, 400, "invalid-json"],
      ["/api/docs", json({ title: 5 }), 400, "invalid-body"],
      ["/api/docs", json({ title: "x".repeat(201) }), 400, "invalid-body"],
      ["/api/docs", json({ id: "has space" }), 400, "invalid-body"],
      ["/api/docs", json({ title: "y".repeat(70_000) }), 413, "payload-too-large"],
      ["/api/nothing-here", undefined, 404, "route-not-found"],
    ];
    for (const [path, init, status, code] of cases) {
      const response = await api(path, init);
      expect({ path, status: response.status }).toEqual({ path, status });
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message.length).toBeGreaterThan(0);
    }
    await api("/api/docs", json({ id: "dupe-doc" }));
    expect((await api("/api/docs", json({ id: "dupe-doc" }))).status).toBe(409);
  });

  it("reports health, readiness and metrics", async () => {
    expect((await api("/healthz")).status).toBe(200);
    expect(await (await api("/readyz")).json()).toEqual({ status: "ready" });
    const metrics = await (await api("/metrics")).text();
    expect(metrics).toContain("tandem_documents_loaded");
    expect(metrics).toContain("tandem_connections");
  });
});
