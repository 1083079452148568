/** Who is asking. Tokens and sessions (the access-control issue) will produce named principals. */
export interface Principal {
  /** Stable id: a user id, a guest id, or "anonymous". */
  id: string;
  /** Display name for carets and authorship, when known. */
  name: string | null;
  kind: "anonymous" | "user" | "guest";
  /** Document roles granted by the principal's token; absent when a policy decides otherwise. */
  roles?: Readonly<Record<string, "read" | "write" | "admin">>;
}

export const ANONYMOUS: Principal = Object.freeze({
  id: "anonymous",
  name: null,
  kind: "anonymous",
});

/** What a request presents: the Hocuspocus token, `?token=` for y-websocket, or a Bearer header. */
export interface Credentials {
  token: string | null;
}
