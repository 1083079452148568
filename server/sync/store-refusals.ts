import { Refused } from "../../lib/protocol/refusals";
import { StoreError } from "../storage/store-error";

/**
 * A storage error as the refusal clients see, or null for one that is not a
 * refusal (`corrupt` is an internal error). The one place where storage's
 * error codes meet the wire vocabulary.
 */
export function refusalForStoreError(error: unknown): Refused | null {
  if (!(error instanceof StoreError)) return null;
  switch (error.code) {
    case "deleted":
      return new Refused("document-deleted", error.message);
    case "not-found":
      return new Refused("document-not-found", error.message);
    case "exists":
      return new Refused("document-exists", error.message);
    case "closed":
    case "unavailable":
      return new Refused("storage-unavailable", error.message);
    default:
      return null;
  }
}
