import { OutgoingMessage } from "@hocuspocus/server";
import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  encodeAuthToken,
  isEmptyUpdate,
  permissionDeniedReason,
  readClientFrame,
  updateFramePrefix,
} from "@/lib/protocol/frames";
import { MessageType, SyncStep } from "@/lib/protocol/message-types";
import {
  CloseCode,
  isRetryableRefusal,
  Refusal,
  Refused,
  refusalRule,
} from "@/lib/protocol/refusals";

function frame(address: string, ...parts: Array<(encoder: encoding.Encoder) => void>) {
  return encoding.encode((encoder) => {
    encoding.writeVarString(encoder, address);
    for (const part of parts) part(encoder);
  });
}

const update = (() => {
  const doc = new Y.Doc();
  doc.getText("t").insert(0, "hi");
  return Y.encodeStateAsUpdate(doc);
})();

function refusalOf(read: () => unknown): string {
  try {
    read();
    return "read";
  } catch (error) {
    return error instanceof Refused ? error.reason : `other: ${String(error)}`;
  }
}

describe("the one client-frame reader", () => {
  it("finds the update in sync step 2 and update messages, as a view of the frame", () => {
    for (const step of [SyncStep.Step2, SyncStep.Update]) {
      const bytes = frame(
        "doc\0session",
        (e) => encoding.writeVarUint(e, MessageType.Sync),
        (e) => encoding.writeVarUint(e, step),
        (e) => encoding.writeVarUint8Array(e, update),
      );
      const read = readClientFrame(bytes);
      expect(read).toMatchObject({ address: "doc\0session", type: MessageType.Sync, step });
      expect(read.update).toEqual(update);
      expect(read.update?.buffer).toBe(bytes.buffer);
    }
  });

  it("reads other messages without an update", () => {
    const step1 = frame(
      "doc",
      (e) => encoding.writeVarUint(e, MessageType.Sync),
      (e) => encoding.writeVarUint(e, SyncStep.Step1),
      (e) => encoding.writeVarUint8Array(e, Y.encodeStateVector(new Y.Doc())),
    );
    expect(readClientFrame(step1)).toMatchObject({ step: SyncStep.Step1, update: null });
    const awareness = frame("doc", (e) => encoding.writeVarUint(e, MessageType.Awareness));
    expect(readClientFrame(awareness)).toMatchObject({ type: MessageType.Awareness, update: null });
    expect(readClientFrame(encodeAuthToken("doc", "tok"))).toMatchObject({
      type: MessageType.Auth,
    });
  });

  it("refuses unknown types, unknown steps, truncation and length mismatches", () => {
    const sync = (e: encoding.Encoder) => encoding.writeVarUint(e, MessageType.Sync);
    expect(refusalOf(() => readClientFrame(frame("d", (e) => encoding.writeVarUint(e, 99))))).toBe(
      Refusal.UnknownMessageType,
    );
    expect(
      refusalOf(() => readClientFrame(frame("d", sync, (e) => encoding.writeVarUint(e, 7)))),
    ).toBe(Refusal.UnknownMessageType);
    expect(refusalOf(() => readClientFrame(new Uint8Array([200])))).toBe(Refusal.MalformedMessage);
    const long = frame(
      "d",
      sync,
      (e) => encoding.writeVarUint(e, SyncStep.Update),
      (e) => encoding.writeVarUint(e, update.length + 5),
      (e) => encoding.writeUint8Array(e, update),
    );
    expect(refusalOf(() => readClientFrame(long))).toBe(Refusal.MalformedMessage);
    const trailing = frame(
      "d",
      sync,
      (e) => encoding.writeVarUint(e, SyncStep.Update),
      (e) => encoding.writeVarUint8Array(e, update),
      (e) => encoding.writeUint8(e, 0),
    );
    expect(refusalOf(() => readClientFrame(trailing))).toBe(Refusal.MalformedMessage);
  });

  it("recognises Hocuspocus's permission-denied frames and update prefixes", () => {
    const denied = new OutgoingMessage("doc").writePermissionDenied(Refusal.DocumentDeleted);
    expect(permissionDeniedReason(denied.toUint8Array())).toBe(Refusal.DocumentDeleted);
    const longAddress = "x".repeat(300);
    const deniedLong = new OutgoingMessage(longAddress).writePermissionDenied("forbidden");
    expect(permissionDeniedReason(deniedLong.toUint8Array())).toBe("forbidden");
    const status = new OutgoingMessage("doc").writeSyncStatus(true);
    expect(permissionDeniedReason(status.toUint8Array())).toBeNull();
    const broadcast = new OutgoingMessage("doc").createSyncMessage().writeUpdate(update);
    const bytes = broadcast.toUint8Array();
    const prefix = updateFramePrefix("doc");
    expect(bytes.subarray(0, prefix.length)).toEqual(prefix);
    expect(isEmptyUpdate(Y.encodeStateAsUpdate(new Y.Doc()))).toBe(true);
    expect(isEmptyUpdate(update)).toBe(false);
  });
});

describe("refusals", () => {
  it("give every refusal one status, one close code and whether retrying helps", () => {
    for (const code of Object.values(Refusal)) {
      const rule = refusalRule(code);
      const refused = new Refused(code);
      expect(refused.status).toBe(rule.status);
      expect(refused.code).toBe(rule.close);
      // Retryable refusals never use a 44xx code: y-websocket stops reconnecting on those.
      if (rule.retryable) {
        expect([408, 503]).toContain(rule.status);
        expect(rule.close < 4400 || rule.close >= 4500).toBe(true);
      }
      expect(isRetryableRefusal(code)).toBe(rule.retryable);
    }
    expect(isRetryableRefusal("no-such-refusal")).toBe(false);
    expect(refusalRule(Refusal.DocumentDeleted).close).toBe(CloseCode.Gone);
  });
});
