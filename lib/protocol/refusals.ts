/**
 * Every way Tandem refuses a client, with one name each, the same on sockets
 * (close reason or permission-denied reason) and over HTTP (the `code` of the
 * JSON error body). Clients branch on these names; never spell them out.
 */
export const Refusal = {
  /** The document was deleted; final, and the client drops its local copy. */
  DocumentDeleted: "document-deleted",
  /** No such document (HTTP reads of metadata; sockets create unknown documents). */
  DocumentNotFound: "document-not-found",
  InvalidDocumentId: "invalid-document-id",
  /** A create named an id that is taken. */
  DocumentExists: "document-exists",
  /** The document could not be loaded from storage right now; retry. */
  DocumentLoadFailed: "document-load-failed",
  /** Storage cannot make writes durable right now; nothing was acknowledged; retry. */
  StorageUnavailable: "storage-unavailable",
  ShuttingDown: "shutting-down",
  /** A socket opened no document within HANDSHAKE_TIMEOUT_MS; it may connect again. */
  HandshakeTimeout: "handshake-timeout",
  /** The document has as many connections as the server allows (MAX_CONNECTIONS_PER_DOCUMENT); retry later. */
  DocumentFull: "document-full",
  /** The server could not decide right now (a check it needs failed); retry. */
  ServerUnavailable: "server-unavailable",
  /** No token where access control needs one. */
  TokenMissing: "token-missing",
  /** The token's time is up; the client needs a new one. */
  TokenExpired: "token-expired",
  /** The token is malformed, wrongly signed or carries unusable claims. */
  TokenInvalid: "token-invalid",
  /** The principal may not read this document. */
  Forbidden: "forbidden",
  /** The principal may read but not write this document. */
  ReadOnly: "read-only",
  MalformedMessage: "malformed-message",
  UnknownMessageType: "unknown-message-type",
  InvalidUpdate: "invalid-update",
  InvalidAwareness: "invalid-awareness",
} as const;

export type RefusalCode = (typeof Refusal)[keyof typeof Refusal];

/** WebSocket close codes Tandem sends (RFC 6455 and the 4xxx application range). */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  UnsupportedData: 1003,
  MessageTooBig: 1009,
  /** The server's state, not the client: reconnect with backoff. */
  TryAgainLater: 1013,
  BadRequest: 4400,
  /** Who the client is could not be established (no, expired or bad token). */
  Unauthorized: 4401,
  /** Refused for good: y-websocket clients stop reconnecting on 44xx. */
  Forbidden: 4403,
  /** The document is gone. */
  Gone: 4404,
  /** The server failed; the client may retry. */
  ServerError: 4500,
} as const;

interface RefusalRule {
  /** HTTP status for this refusal. */
  status: number;
  /** Close code when a socket is closed for it. */
  close: number;
  /** Whether retrying later can succeed (the client keeps its edits and reconnects). */
  retryable: boolean;
}

const RULES: Record<RefusalCode, RefusalRule> = {
  "document-deleted": { status: 410, close: CloseCode.Gone, retryable: false },
  "document-not-found": { status: 404, close: CloseCode.Gone, retryable: false },
  "invalid-document-id": { status: 400, close: CloseCode.Forbidden, retryable: false },
  "document-exists": { status: 409, close: CloseCode.Forbidden, retryable: false },
  "document-load-failed": { status: 503, close: CloseCode.TryAgainLater, retryable: true },
  "storage-unavailable": { status: 503, close: CloseCode.ServerError, retryable: true },
  "shutting-down": { status: 503, close: CloseCode.TryAgainLater, retryable: true },
  "server-unavailable": { status: 503, close: CloseCode.TryAgainLater, retryable: true },
  "document-full": { status: 503, close: CloseCode.TryAgainLater, retryable: true },
  "handshake-timeout": { status: 408, close: CloseCode.TryAgainLater, retryable: true },
  "token-missing": { status: 401, close: CloseCode.Unauthorized, retryable: false },
  "token-expired": { status: 401, close: CloseCode.Unauthorized, retryable: false },
  "token-invalid": { status: 401, close: CloseCode.Unauthorized, retryable: false },
  forbidden: { status: 403, close: CloseCode.Forbidden, retryable: false },
  "read-only": { status: 403, close: CloseCode.Forbidden, retryable: false },
  "malformed-message": { status: 400, close: CloseCode.BadRequest, retryable: false },
  "unknown-message-type": { status: 400, close: CloseCode.BadRequest, retryable: false },
  "invalid-update": { status: 400, close: CloseCode.BadRequest, retryable: false },
  "invalid-awareness": { status: 400, close: CloseCode.BadRequest, retryable: false },
};

export function refusalRule(code: RefusalCode): RefusalRule {
  return RULES[code];
}

export function isRefusalCode(value: unknown): value is RefusalCode {
  return typeof value === "string" && Object.hasOwn(RULES, value);
}

/** Whether a refusal reason (from a close, a frame or an HTTP body) is worth retrying. */
export function isRetryableRefusal(reason: string): reason is RefusalCode {
  return isRefusalCode(reason) && RULES[reason].retryable;
}

/**
 * A refusal raised anywhere in the server. `code` (the close code) and
 * `reason` have the shape Hocuspocus reads from an error thrown by a hook, so
 * a socket closes with them; HTTP answers with `status` and `reason` as the
 * error body's code.
 */
export class Refused extends Error {
  readonly code: number;
  readonly status: number;
  constructor(
    readonly reason: RefusalCode,
    message: string = reason,
  ) {
    super(message);
    this.name = "Refused";
    const rule = RULES[reason];
    this.code = rule.close;
    this.status = rule.status;
  }
}
