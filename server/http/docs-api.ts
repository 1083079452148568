import { createHash } from "node:crypto";
import * as Y from "yjs";
import { newDocId } from "../../lib/doc-id";
import { createDocBodySchema, renameDocBodySchema } from "../../lib/protocol/docs-api";
import { renderDocumentHtml } from "../../lib/render-html";
import type { AccessGate } from "../access/gate";
import type { DocumentService } from "../documents";
import { credentialsOf, readJson, sendJson } from "./http-kit";
import type { RouteContext, Router } from "./router";

/**
 * The document metadata API and the initial-load endpoints (state and HTML).
 * Every route asks the access gate first: reads need "read", changes "write".
 */
export function addDocsApi(router: Router, documents: DocumentService, gate: AccessGate): void {
  const admit = (context: RouteContext, need: "read" | "write") =>
    gate.admit(credentialsOf(context.req), context.params.id ?? "", need);

  router
    .add("GET", "/api/docs", async ({ req, res }) => {
      const principal = await gate.identify(credentialsOf(req));
      sendJson(res, 200, { docs: await gate.visible(principal, await documents.list()) });
    })
    .add("POST", "/api/docs", async ({ req, res }) => {
      const body = await readJson(req, createDocBodySchema);
      const id = body.id ?? newDocId();
      await gate.admit(credentialsOf(req), id, "write");
      sendJson(res, 201, { doc: await documents.create(body.title, id) });
    })
    .add("GET", "/api/docs/:id", async (context) => {
      await admit(context, "read");
      sendJson(context.res, 200, { doc: await documents.getMeta(context.params.id ?? "") });
    })
    .add("PATCH", "/api/docs/:id", async (context) => {
      await admit(context, "write");
      const body = await readJson(context.req, renameDocBodySchema);
      sendJson(context.res, 200, {
        doc: await documents.rename(context.params.id ?? "", body.title),
      });
    })
    .add("DELETE", "/api/docs/:id", async (context) => {
      await admit(context, "write");
      await documents.delete(context.params.id ?? "");
      context.res.writeHead(204).end();
    })
    .add("GET", "/api/docs/:id/state", async (context) => {
      await admit(context, "read");
      const state = await documents.read(context.params.id ?? "", (doc) =>
        Y.encodeStateAsUpdate(doc),
      );
      const etag = `"${createHash("sha256").update(state).digest("base64url")}"`;
      const headers = { etag, "cache-control": "no-cache" };
      if (context.req.headers["if-none-match"] === etag) {
        context.res.writeHead(304, headers).end();
        return;
      }
      context.res.writeHead(200, {
        ...headers,
        "content-type": "application/octet-stream",
        "content-length": state.byteLength,
      });
      context.res.end(context.req.method === "HEAD" ? undefined : state);
    })
    .add("GET", "/api/docs/:id/html", async (context) => {
      await admit(context, "read");
      const html = await documents.read(context.params.id ?? "", renderDocumentHtml);
      context.res.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "content-length": Buffer.byteLength(html),
        "cache-control": "no-cache",
      });
      context.res.end(context.req.method === "HEAD" ? undefined : html);
    });
}
