import type { IncomingMessage, ServerResponse } from "node:http";
import { HttpError } from "./http-kit";

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  params: Record<string, string>;
}

export type RouteHandler = (context: RouteContext) => Promise<void> | void;

interface Route {
  method: string;
  segments: string[];
  handler: RouteHandler;
}

/**
 * Matches `/api/docs/:id/state`-style patterns. Small on purpose: the API has a
 * dozen routes and everything else falls through to Next.js.
 */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method, segments: split(pattern), handler });
    return this;
  }

  /** Runs the matching handler; false when no route matches the path. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const segments = split(url.pathname);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = match(route.segments, segments);
      if (params === null) continue;
      pathMatched = true;
      if (route.method !== req.method && !(route.method === "GET" && req.method === "HEAD")) {
        continue;
      }
      await route.handler({ req, res, url, params });
      return true;
    }
    if (pathMatched) {
      throw new HttpError(405, "method-not-allowed", `${req.method} is not allowed here`);
    }
    return false;
  }
}

function split(path: string): string[] {
  return path.split("/").filter((segment) => segment.length > 0);
}

function match(pattern: string[], path: string[]): Record<string, string> | null {
  if (pattern.length !== path.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i] as string;
    const actual = path[i] as string;
    if (expected.startsWith(":")) {
      try {
        params[expected.slice(1)] = decodeURIComponent(actual);
      } catch {
        return null;
      }
    } else if (expected !== actual) {
      return null;
    }
  }
  return params;
}
