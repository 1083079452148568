import { describe, expect, it } from "vitest";
import { isValidDocId, newDocId } from "@/lib/doc-id";

describe("document ids", () => {
  it("accepts generated ids and rejects separators and empty names", () => {
    for (let i = 0; i < 100; i++) expect(isValidDocId(newDocId())).toBe(true);
    for (const bad of ["", "a/b", "a!b", "-lead", "x".repeat(129), "spa ce", "../etc"]) {
      expect(isValidDocId(bad)).toBe(false);
    }
  });
});
