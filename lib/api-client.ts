import { type DocSummary, docListSchema, oneDocSchema } from "./protocol/docs-api";
import { httpErrorBodySchema } from "./protocol/http-errors";

export type { DocSummary };

/** A failed API call, with the server's error code when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

async function failure(response: Response): Promise<ApiError> {
  const body = httpErrorBodySchema.safeParse(await response.json().catch(() => null));
  return body.success
    ? new ApiError(response.status, body.data.error.code, body.data.error.message)
    : new ApiError(response.status, "http-error", `HTTP ${response.status}`);
}

/** Documents, newest first. `origin` is "" in the browser and the server's own URL on the server. */
export async function listDocs(origin: string): Promise<DocSummary[]> {
  const response = await fetch(`${origin}/api/docs`, { cache: "no-store" });
  if (!response.ok) throw await failure(response);
  return docListSchema.parse(await response.json()).docs;
}

/** A document's metadata, or null when it does not exist (or was deleted). */
export async function getDoc(origin: string, id: string): Promise<DocSummary | null> {
  const response = await fetch(`${origin}/api/docs/${encodeURIComponent(id)}`, {
    cache: "no-store",
  });
  if (response.status === 404 || response.status === 410) return null;
  if (!response.ok) throw await failure(response);
  return oneDocSchema.parse(await response.json()).doc;
}

/** The document rendered to HTML by the server, or null when it does not exist. */
export async function getDocHtml(origin: string, id: string): Promise<string | null> {
  const response = await fetch(`${origin}/api/docs/${encodeURIComponent(id)}/html`, {
    cache: "no-store",
  });
  if (response.status === 404 || response.status === 410) return null;
  if (!response.ok) throw await failure(response);
  return response.text();
}

/** Creates a document; without a title the server names it "Untitled". */
export async function createDoc(origin: string, title?: string): Promise<DocSummary> {
  const response = await fetch(`${origin}/api/docs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(title ? { title } : {}),
  });
  if (!response.ok) throw await failure(response);
  return oneDocSchema.parse(await response.json()).doc;
}

/** The document's encoded Yjs state, or null when it does not exist. */
export async function getDocState(origin: string, id: string): Promise<Uint8Array | null> {
  const response = await fetch(`${origin}/api/docs/${encodeURIComponent(id)}/state`, {
    cache: "no-store",
  });
  if (response.status === 404 || response.status === 410) return null;
  if (!response.ok) throw await failure(response);
  return new Uint8Array(await response.arrayBuffer());
}

/** Renames a document; everyone with it open sees the new title live. */
export async function renameDoc(origin: string, id: string, title: string): Promise<DocSummary> {
  const response = await fetch(`${origin}/api/docs/${encodeURIComponent(id)}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title }),
  });
  if (!response.ok) throw await failure(response);
  return oneDocSchema.parse(await response.json()).doc;
}

/** Deletes a document for everyone; open editors are told it is gone. */
export async function deleteDoc(origin: string, id: string): Promise<void> {
  const response = await fetch(`${origin}/api/docs/${encodeURIComponent(id)}`, {
    method: "DELETE",
  });
  if (!response.ok) throw await failure(response);
}
