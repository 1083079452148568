import type { IncomingMessage } from "node:http";

/** Hocuspocus hooks read headers and query parameters from a WHATWG Request. */
export function toFetchRequest(request: IncomingMessage): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const host = request.headers.host ?? "localhost";
  return new Request(`http://${host}${request.url ?? "/"}`, { headers });
}
