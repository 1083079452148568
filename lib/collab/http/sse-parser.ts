export interface SseEvent {
  /** The `event:` field, "message" when absent. */
  event: string;
  data: string;
  id: string | undefined;
}

/**
 * A Server-Sent Events parser for text read from a fetch body. EventSource
 * would do this for us, but it cannot be given headers, cannot report why a
 * stream failed and does not exist in Node, so the HTTP transport reads the
 * stream itself. Follows the WHATWG event-stream rules: lines end in CRLF, LF
 * or CR (possibly split across chunks), `:` starts a comment, one space after
 * the colon is dropped, and a blank line dispatches the event if it has data.
 */
export class SseParser {
  private buffer = "";
  /** A chunk ended in CR: a LF at the start of the next chunk belongs to the same line end. */
  private pendingCr = false;
  private event = "";
  private data: string[] = [];
  private id: string | undefined;
  private lastId: string | undefined;

  constructor(private readonly onEvent: (event: SseEvent) => void) {}

  /** Feeds decoded text (use TextDecoder with `stream: true` so characters are never split). */
  push(text: string): void {
    let chunk = text;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (chunk.startsWith("\n")) chunk = chunk.slice(1);
    }
    this.buffer += chunk;
    let start = 0;
    for (;;) {
      const cr = this.buffer.indexOf("\r", start);
      const lf = this.buffer.indexOf("\n", start);
      if (cr === -1 && lf === -1) break;
      const end = cr === -1 ? lf : lf === -1 ? cr : Math.min(cr, lf);
      this.line(this.buffer.slice(start, end));
      if (end === cr) {
        if (end + 1 === this.buffer.length) {
          this.pendingCr = true;
          start = end + 1;
          break;
        }
        start = this.buffer[end + 1] === "\n" ? end + 2 : end + 1;
      } else {
        start = end + 1;
      }
    }
    this.buffer = this.buffer.slice(start);
  }

  /** The stream ended: an event without its closing blank line is discarded, as the spec says. */
  end(): void {
    this.buffer = "";
    this.pendingCr = false;
    this.event = "";
    this.data = [];
  }

  private line(line: string): void {
    if (line === "") {
      this.dispatch();
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.event = value;
        break;
      case "data":
        this.data.push(value);
        break;
      case "id":
        if (!value.includes("\0")) this.id = value;
        break;
      default:
        // `retry` and unknown fields: the transport has its own reconnect policy.
        break;
    }
  }

  private dispatch(): void {
    if (this.id !== undefined) this.lastId = this.id;
    this.id = undefined;
    if (this.data.length === 0) {
      this.event = "";
      return;
    }
    const event: SseEvent = {
      event: this.event || "message",
      data: this.data.join("\n"),
      id: this.lastId,
    };
    this.event = "";
    this.data = [];
    this.onEvent(event);
  }
}
