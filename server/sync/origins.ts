import type { ConnectionTransactionOrigin, RedisTransactionOrigin } from "@hocuspocus/server";

/*
 * Every change to a live document is applied with one of these transaction
 * origins, so anything observing the document (broadcast, storage, the HTTP
 * streams, later peers and versions) can tell where it came from without
 * guessing. They build on Hocuspocus's own origins: `source` is what
 * Hocuspocus reads (a "local" origin with `skipStoreHooks` does not schedule
 * its store hook; "redis" never does), `ingest` is Tandem's own kind.
 */

/** An update from a socket client (either dialect): Hocuspocus's connection origin. */
export type ClientOrigin = ConnectionTransactionOrigin;

/** An update POSTed over HTTP; `client` is the sender's client id, so it is not echoed back. */
export interface HttpOrigin {
  source: "local";
  ingest: "http";
  client: number | undefined;
}

/** Replayed from storage while loading: already durable. */
export interface StorageOrigin {
  source: "local";
  ingest: "storage";
  skipStoreHooks: true;
}

/** Relayed from another Tandem instance, which made it durable in the shared storage. */
export type PeerOrigin =
  | RedisTransactionOrigin
  | { source: "local"; ingest: "peer"; skipStoreHooks: true };

/** A change the server makes itself (a rename through the API writes `meta.title`). */
export interface ServerOrigin {
  source: "local";
  ingest: "server";
}

export type SyncOrigin = ClientOrigin | HttpOrigin | StorageOrigin | PeerOrigin | ServerOrigin;

export type OriginKind = "client" | "http" | "storage" | "peer" | "server" | "unknown";

export const STORAGE_ORIGIN: StorageOrigin = Object.freeze({
  source: "local",
  ingest: "storage",
  skipStoreHooks: true,
});

export function httpOrigin(client: number | undefined): HttpOrigin {
  return { source: "local", ingest: "http", client };
}

/** A fresh object per change, so the change's own update can be picked out by identity. */
export function serverOrigin(): ServerOrigin {
  return { source: "local", ingest: "server" };
}

/**
 * Which way a change came in. "unknown" is a change made around the ingest
 * path (for instance a Hocuspocus direct connection's `transact`).
 */
export function originKind(origin: unknown): OriginKind {
  if (typeof origin !== "object" || origin === null) return "unknown";
  const { source, ingest } = origin as { source?: unknown; ingest?: unknown };
  if (source === "connection") return "client";
  if (source === "redis") return "peer";
  if (source !== "local") return "unknown";
  switch (ingest) {
    case "http":
    case "storage":
    case "peer":
    case "server":
      return ingest;
    default:
      return "unknown";
  }
}

/**
 * Origin of presence set over HTTP. Awareness changes are not transactions;
 * Hocuspocus broadcasts any origin other than a connection to every socket.
 */
export const HTTP_AWARENESS_ORIGIN = Object.freeze({ source: "local", ingest: "http" } as const);

/** The HTTP sender of a change, when it came in over HTTP. */
export function httpSenderOf(origin: unknown): number | undefined {
  return originKind(origin) === "http" ? (origin as HttpOrigin).client : undefined;
}
