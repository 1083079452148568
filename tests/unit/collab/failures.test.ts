import { describe, expect, it } from "vitest";
import {
  failureOf,
  isFinal,
  Refused,
  Rejected,
  Retryable,
  streamFailureOf,
} from "@/lib/collab/http/failures";
import { Refusal } from "@/lib/protocol/refusals";
import { httpError } from "./fake-fetch";

const html = (status: number) =>
  new Response("<html><body><h1>Bad Gateway</h1></body></html>", {
    status,
    headers: { "content-type": "text/html" },
  });

describe("failureOf", () => {
  it.each([
    [410, Refusal.DocumentDeleted],
    [400, Refusal.InvalidDocumentId],
    [403, Refusal.Forbidden],
    [403, Refusal.ReadOnly],
    [400, Refusal.InvalidUpdate],
  ])("a %i with the refusal %s is final, named as the server named it", async (status, code) => {
    const failure = await failureOf(httpError(status, code, `because ${code}`));
    expect(failure).toBeInstanceOf(Refused);
    expect(isFinal(failure)).toBe(true);
    expect(failure).toMatchObject({ reason: code, message: `because ${code}` });
  });

  it.each([
    [503, Refusal.StorageUnavailable],
    [503, Refusal.ShuttingDown],
    [503, Refusal.DocumentLoadFailed],
    [500, "internal"],
  ])("a %i with %s is retried", async (status, code) => {
    const failure = await failureOf(httpError(status, code, "try later"));
    expect(failure).toBeInstanceOf(Retryable);
    expect(isFinal(failure)).toBe(false);
    expect(failure.message).toBe("try later");
  });

  it.each([408, 429, 502, 504])(
    "a bare %i (timeouts, rate limits, gateways) is retried",
    async (status) => {
      expect(await failureOf(new Response(null, { status }))).toBeInstanceOf(Retryable);
    },
  );

  it("a retryable refusal is retried whatever its status", async () => {
    expect(await failureOf(httpError(409, Refusal.StorageUnavailable))).toBeInstanceOf(Retryable);
  });

  it.each([
    [413, "payload-too-large"],
    [415, "unsupported-media-type"],
    [400, "invalid-query"],
    [404, "route-not-found"],
  ])("a %i with the request error %s is final, keeping its code", async (status, code) => {
    const failure = await failureOf(httpError(status, code, "no"));
    expect(failure).toBeInstanceOf(Rejected);
    expect(isFinal(failure)).toBe(true);
    expect(failure).toMatchObject({ reason: code, message: "no", status });
  });

  it("reads a proxy's HTML error page by its status alone", async () => {
    expect(await failureOf(html(502))).toBeInstanceOf(Retryable);
    const notFound = await failureOf(html(404));
    expect(notFound).toBeInstanceOf(Rejected);
    expect(notFound).toMatchObject({ reason: "http-404", message: "HTTP 404", status: 404 });
  });

  it("does not take a 410 that is not Tandem's for a deleted document", async () => {
    const failure = await failureOf(html(410));
    expect(failure).toBeInstanceOf(Rejected);
    expect(failure).toMatchObject({ reason: "http-410" });
  });

  it("ignores JSON that is not an error body", async () => {
    const failure = await failureOf(
      new Response(JSON.stringify({ error: "deleted" }), { status: 410 }),
    );
    expect(failure).toMatchObject({ reason: "http-410", message: "HTTP 410" });
  });
});

describe("streamFailureOf", () => {
  it("makes document-deleted final", () => {
    const failure = streamFailureOf(
      JSON.stringify({ code: Refusal.DocumentDeleted, message: "document x was deleted" }),
    );
    expect(failure).toBeInstanceOf(Refused);
    expect(failure).toMatchObject({
      reason: Refusal.DocumentDeleted,
      message: "document x was deleted",
    });
  });

  it("reconnects after shutting-down, an unknown code, or data it cannot read", () => {
    const shutdown = streamFailureOf(
      JSON.stringify({ code: Refusal.ShuttingDown, message: "bye" }),
    );
    expect(shutdown).toBeInstanceOf(Retryable);
    expect(shutdown.message).toBe("bye");
    expect(streamFailureOf(JSON.stringify({ code: "mystery", message: "?" }))).toBeInstanceOf(
      Retryable,
    );
    const garbled = streamFailureOf("not json");
    expect(garbled).toBeInstanceOf(Retryable);
    expect(garbled.message).toBe("not json");
    expect(streamFailureOf(JSON.stringify({ code: 3 }))).toBeInstanceOf(Retryable);
  });
});
