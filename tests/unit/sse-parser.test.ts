import { describe, expect, it } from "vitest";
import { type SseEvent, SseParser } from "@/lib/collab/http/sse-parser";

function parse(chunks: string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser((event) => events.push(event));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return events;
}

describe("SseParser", () => {
  it("parses named events, multi-line data and comments", () => {
    expect(parse([": keep-alive\n\nevent: update\ndata: AAE=\n\ndata: one\ndata:two\n\n"])).toEqual(
      [
        { event: "update", data: "AAE=", id: undefined },
        { event: "message", data: "one\ntwo", id: undefined },
      ],
    );
  });

  it("gives the same events however the stream is split, with LF, CRLF or CR line ends", () => {
    const text = "event: a\ndata: 1\n\nevent: b\r\ndata: 2\r\n\r\nevent: c\rdata: 3\r\r";
    const whole = parse([text]);
    expect(whole.map((e) => `${e.event}=${e.data}`)).toEqual(["a=1", "b=2", "c=3"]);
    for (let size = 1; size <= 4; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      expect(parse(chunks)).toEqual(whole);
    }
  });

  it("ignores events without data, unknown fields, and an unfinished last event", () => {
    expect(parse(["event: empty\n\nretry: 10\nfoo: bar\ndata: x\n\nevent: cut\ndata: y"])).toEqual([
      { event: "message", data: "x", id: undefined },
    ]);
  });

  it("keeps only one space after the colon and remembers the last id", () => {
    expect(parse(["id: 7\ndata:  spaced\n\ndata:x\n\n"])).toEqual([
      { event: "message", data: " spaced", id: "7" },
      { event: "message", data: "x", id: "7" },
    ]);
  });
});
