export type StoreErrorCode =
  | "not-found"
  | "deleted"
  | "exists"
  | "corrupt"
  | "closed"
  | "unavailable";

/**
 * An expected storage failure. `code` is mapped once, at the boundary, to a
 * refusal of the wire vocabulary (lib/protocol/refusals.ts).
 */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "StoreError";
  }
}

export function deletedError(id: string): StoreError {
  return new StoreError("deleted", `document ${id} was deleted`);
}

export function notFoundError(id: string): StoreError {
  return new StoreError("not-found", `no document ${id}`);
}
