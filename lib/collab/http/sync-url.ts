import { toBase64UrlEncoded } from "lib0/buffer";
import { type HttpSyncEndpointName, httpSyncPath } from "../../protocol/http-sync";

/** Query values: strings as they are, bytes (state vectors) as base64url; undefined ones are left out. */
export type SyncQuery = Record<string, string | Uint8Array | undefined>;

/** The `fetch` the pieces of the transport call: always with a URL string. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Everything that names one client of one document on one server. */
export interface SyncTarget {
  /** Origin of the Tandem server, without a trailing slash. */
  baseUrl: string;
  docId: string;
  /** The sender's Yjs/awareness client id, so its own changes are not echoed back. */
  client: number;
}

/** The absolute URL of an HTTP sync endpoint for `target`: `client` first, then `query` in order. */
export function syncUrl(
  target: SyncTarget,
  endpoint: HttpSyncEndpointName,
  query: SyncQuery = {},
): string {
  const params = new URLSearchParams({ client: String(target.client) });
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    params.set(key, typeof value === "string" ? value : toBase64UrlEncoded(value));
  }
  return `${target.baseUrl}${httpSyncPath(target.docId, endpoint)}?${params}`;
}
