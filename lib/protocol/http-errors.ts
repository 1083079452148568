import { z } from "zod";
import type { RefusalCode } from "./refusals";

/**
 * Codes of HTTP error bodies that are about the request itself rather than
 * the document; refusals (lib/protocol/refusals.ts) are the rest.
 */
export type RequestErrorCode =
  | "route-not-found"
  | "method-not-allowed"
  | "unsupported-media-type"
  | "payload-too-large"
  | "invalid-json"
  | "invalid-body"
  | "invalid-query"
  | "invalid-state-vector"
  | "origin-not-allowed"
  | "internal";

export type HttpErrorCode = RefusalCode | RequestErrorCode;

/** Every HTTP error answer: `{ error: { code, message } }`. */
export const httpErrorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string() }),
});

export type HttpErrorBody = z.infer<typeof httpErrorBodySchema>;
