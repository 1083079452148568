import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Refusal, Refused } from "@/lib/protocol/refusals";
import { AccessGate } from "@/server/access/gate";
import { OpenPolicy } from "@/server/access/open-policy";
import type { AccessPolicy, Permission } from "@/server/access/policy";
import { ANONYMOUS, type Principal } from "@/server/access/principal";
import { createLogger } from "@/server/log";
import { createMemoryStorage } from "@/server/storage/level/memory-storage";
import type { Storage } from "@/server/storage/storage";
import { refusalOf } from "../../helpers/refusals";

/** Tokens name principals; "reader" may read, "stranger" may see nothing, "bad" is refused. */
class TokenPolicy implements AccessPolicy {
  readonly name = "test";
  async authenticate({ token }: { token: string | null }): Promise<Principal> {
    if (token === "bad") throw new Refused("forbidden", "bad token");
    if (token === null) return ANONYMOUS;
    return { id: token, name: token, kind: "user" };
  }
  async permission(principal: Principal, docId: string): Promise<Permission | null> {
    if (principal.id === "stranger" || docId === "secret") return null;
    return principal.id === "reader" ? "read" : "write";
  }
}

describe("AccessGate", () => {
  let storage: Storage;
  let gate: AccessGate;
  const log = createLogger("silent");
  beforeEach(() => {
    storage = createMemoryStorage();
    gate = new AccessGate(new TokenPolicy(), storage.catalog, log);
  });
  afterEach(async () => {
    await storage.close();
  });

  it("answers what each principal may do with each document", async () => {
    expect(await gate.admit({ token: "writer" }, "doc-1", "write")).toMatchObject({
      principal: { id: "writer" },
      permission: "write",
    });
    expect(await gate.admit({ token: "reader" }, "doc-1", "read")).toMatchObject({
      permission: "read",
    });
    expect(await refusalOf(gate.admit({ token: "reader" }, "doc-1", "write"))).toBe("read-only");
    expect(await refusalOf(gate.admit({ token: "stranger" }, "doc-1", "read"))).toBe("forbidden");
    expect(await refusalOf(gate.admit({ token: "writer" }, "secret", "read"))).toBe("forbidden");
    expect(await refusalOf(gate.admit({ token: "bad" }, "doc-1", "read"))).toBe("forbidden");
  });

  it("refuses ids outside the rule before asking the policy, and deleted documents after it", async () => {
    expect(await refusalOf(gate.admit({ token: "bad" }, "bad!id", "read"))).toBe(
      "invalid-document-id",
    );
    await storage.catalog.create("gone", "Gone");
    expect(await storage.catalog.delete("gone")).toBe(true);
    expect(await refusalOf(gate.admit({ token: "writer" }, "gone", "read"))).toBe(
      Refusal.DocumentDeleted,
    );
    // Someone without access learns nothing about the document, not even that it was deleted.
    expect(await refusalOf(gate.admit({ token: "stranger" }, "gone", "read"))).toBe("forbidden");
  });

  it("refuses everything once closed for shutdown, as a retryable refusal", async () => {
    gate.close();
    expect(await refusalOf(gate.admit({ token: "writer" }, "doc-1", "read"))).toBe("shutting-down");
    expect(await refusalOf(gate.identify({ token: "writer" }))).toBe("shutting-down");
  });

  it("lists only what the principal may read", async () => {
    const docs = [{ id: "a" }, { id: "secret" }, { id: "b" }];
    expect(await gate.visible({ id: "writer", name: null, kind: "user" }, docs)).toEqual([
      { id: "a" },
      { id: "b" },
    ]);
    expect(await gate.visible({ id: "stranger", name: null, kind: "user" }, docs)).toEqual([]);
  });

  it("is open by default: everyone may write every document", async () => {
    const open = new AccessGate(new OpenPolicy(), storage.catalog, log);
    expect(await open.admit({ token: null }, "any-doc", "write")).toEqual({
      principal: ANONYMOUS,
      permission: "write",
      listed: false,
    });
    await storage.catalog.create("listed-doc", "Listed");
    expect((await open.admit({ token: null }, "listed-doc", "read")).listed).toBe(true);
  });
});
