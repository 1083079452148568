import { ResetConnection } from "@hocuspocus/common";
import type { Connection } from "@hocuspocus/server";
import { isRetryableRefusal, Refused } from "../../lib/protocol/refusals";

/**
 * Closes a connection that sent something the server refused. A retryable
 * refusal (storage cannot write right now) closes the whole socket: a
 * provider whose document alone was closed keeps its socket open and never
 * syncs that document again, so its pending edits would wait for the next
 * reconnect; after a socket close it reconnects with backoff and resends
 * them. Any other refusal (a malformed or invalid update: the client's
 * fault) closes only the one document with its code and reason.
 */
export function closeForRefusal(connection: Connection, error: unknown): void {
  const { code, reason } =
    error instanceof Refused
      ? { code: error.code, reason: error.reason }
      : { code: ResetConnection.code, reason: ResetConnection.reason };
  if (isRetryableRefusal(reason)) {
    connection.webSocket.close(code, reason);
  } else {
    connection.close({ code, reason });
  }
}
