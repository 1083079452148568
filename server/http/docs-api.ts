import { createHash } from "node:crypto";
import * as Y from "yjs";
import { z } from "zod";
import { DOC_ID_RULE, isValidDocId, MAX_TITLE_LENGTH } from "../../lib/doc-id";
import { renderDocumentHtml } from "../../lib/render-html";
import type { DocumentService } from "../documents";
import { HttpError, readJson, sendJson } from "./http-kit";
import type { RouteContext, Router } from "./router";

const titleSchema = z
  .string()
  .trim()
  .min(1, "title must not be empty")
  .max(MAX_TITLE_LENGTH, `title must be at most ${MAX_TITLE_LENGTH} characters`);

const createBody = z
  .object({
    title: titleSchema.optional(),
    id: z.string().refine(isValidDocId, `id must be ${DOC_ID_RULE}`).optional(),
  })
  .strict();

const renameBody = z.object({ title: titleSchema }).strict();

/** The document metadata API and the initial-load endpoints (state and HTML). */
export function addDocsApi(router: Router, documents: DocumentService): void {
  router
    .add("GET", "/api/docs", async ({ res }) => {
      sendJson(res, 200, { docs: await documents.list() });
    })
    .add("POST", "/api/docs", async ({ req, res }) => {
      const body = await readJson(req, createBody);
      const doc = await documents.create(body.title, body.id);
      sendJson(res, 201, { doc });
    })
    .add("GET", "/api/docs/:id", async (context) => {
      sendJson(context.res, 200, { doc: await documents.getMeta(docId(context)) });
    })
    .add("PATCH", "/api/docs/:id", async (context) => {
      const id = docId(context);
      const body = await readJson(context.req, renameBody);
      sendJson(context.res, 200, { doc: await documents.rename(id, body.title) });
    })
    .add("DELETE", "/api/docs/:id", async (context) => {
      await documents.delete(docId(context));
      context.res.writeHead(204).end();
    })
    .add("GET", "/api/docs/:id/state", async (context) => {
      const id = docId(context);
      const state = await documents.read(id, (doc) => Y.encodeStateAsUpdate(doc));
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
      const html = await documents.read(docId(context), renderDocumentHtml);
      context.res.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "content-length": Buffer.byteLength(html),
        "cache-control": "no-cache",
      });
      context.res.end(context.req.method === "HEAD" ? undefined : html);
    });
}

function docId({ params }: RouteContext): string {
  const id = params.id ?? "";
  if (!isValidDocId(id)) {
    throw new HttpError(400, "invalid-document-id", `document id must be ${DOC_ID_RULE}`);
  }
  return id;
}
