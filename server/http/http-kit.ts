import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import type { HttpErrorBody, HttpErrorCode } from "../../lib/protocol/http-errors";
import { Refused } from "../../lib/protocol/refusals";
import { refusalForStoreError } from "../sync/store-refusals";

/** An expected HTTP failure; the boundary turns it into `{ error: { code, message } }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
    "cache-control": "no-store",
  });
  res.end(payload);
}

export function sendError(res: ServerResponse, error: HttpError): void {
  const body: HttpErrorBody = { error: { code: error.code, message: error.message } };
  sendJson(res, error.status, body);
}

/** Anything a handler threw, as the HTTP error it answers with (500 for the unexpected). */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof Refused) return new HttpError(error.status, error.reason, error.message);
  const refused = refusalForStoreError(error);
  if (refused) return new HttpError(refused.status, refused.reason, refused.message);
  return new HttpError(500, "internal", "internal server error");
}

/** The credentials an HTTP request presents: `Authorization: Bearer <token>`. */
export function credentialsOf(req: IncomingMessage): { token: string | null } {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return { token: match?.[1] ?? null };
}

/** Reads the whole body, refusing more than `limit` bytes with 413 before buffering it all. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    throw new HttpError(413, "payload-too-large", `body exceeds ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) {
      throw new HttpError(413, "payload-too-large", `body exceeds ${limit} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Parses a JSON body against `schema`; 400 with the first problem on failure. */
export async function readJson<T>(
  req: IncomingMessage,
  schema: z.ZodType<T>,
  limit = 64 * 1024,
): Promise<T> {
  const type = req.headers["content-type"] ?? "";
  if (!type.includes("application/json")) {
    throw new HttpError(415, "unsupported-media-type", "send application/json");
  }
  const raw = (await readBody(req, limit)).toString("utf8");
  let value: unknown;
  try {
    value = raw.trim() === "" ? {} : JSON.parse(raw);
  } catch {
    throw new HttpError(400, "invalid-json", "body is not valid JSON");
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    throw new HttpError(400, "invalid-body", `${where}${issue?.message ?? "invalid body"}`);
  }
  return parsed.data;
}
