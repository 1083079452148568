import { type RefusalCode, Refused } from "@/lib/protocol/refusals";

/** The refusal `promise` rejects with, or "allowed" when it resolves; any other error is rethrown. */
export async function refusalOf(promise: Promise<unknown>): Promise<RefusalCode | "allowed"> {
  try {
    await promise;
    return "allowed";
  } catch (error) {
    if (error instanceof Refused) return error.reason;
    throw error;
  }
}
