import type { IncomingMessage } from "node:http";
import * as Y from "yjs";
import type { z } from "zod";
import { errorMessage } from "../../log";
import { HttpError } from "../http-kit";

/** Parses the query string against `schema`; 400 invalid-query with the first problem. */
export function parseQuery<T>(url: URL, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    throw new HttpError(400, "invalid-query", `${where}${issue?.message ?? "invalid query"}`);
  }
  return parsed.data;
}

/** Binary bodies only (a missing content type is accepted, as `fetch` of a Uint8Array may send none). */
export function requireBinary(req: IncomingMessage): void {
  const type = req.headers["content-type"];
  if (type !== undefined && !type.startsWith("application/octet-stream")) {
    throw new HttpError(415, "unsupported-media-type", "send application/octet-stream");
  }
}

/** The `sv` parameter as a Yjs state vector; empty or absent means the client has nothing. */
export function decodeStateVectorParam(sv: string | undefined): Uint8Array {
  if (sv === undefined || sv === "") return new Uint8Array([0]);
  const bytes = new Uint8Array(Buffer.from(sv, "base64url"));
  try {
    Y.decodeStateVector(bytes);
  } catch (error) {
    throw new HttpError(
      400,
      "invalid-state-vector",
      `sv is not a state vector: ${errorMessage(error)}`,
    );
  }
  return bytes;
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
