import { fromBase64 } from "lib0/buffer";
import { SseEvent } from "../../protocol/http-sync";
import type { ChannelEnd, ChannelSink } from "./channel";
import { failureOf, Retryable, streamFailureOf } from "./failures";
import { SseParser } from "./sse-parser";
import type { FetchLike } from "./sync-url";

export interface EventStreamOptions {
  fetch: FetchLike;
  /** The `events` URL, carrying the state vector the client has now. */
  url: string;
  sink: ChannelSink;
  /** Ends the attempt (the transport stopped). */
  signal: AbortSignal;
  /** Silence before the first `synced` after which the stream counts as buffered by a proxy. */
  syncTimeoutMs: number;
  /** Silence after `synced` (the server sends a heartbeat every 15 s) after which it counts as dead. */
  idleTimeoutMs: number;
}

/**
 * One attempt at the event stream: opens it with fetch and applies its events
 * until it ends, fails or goes silent. Reads the body itself, since
 * EventSource is missing in Node and hides why a stream failed.
 */
export async function runEventStream(options: EventStreamOptions): Promise<ChannelEnd> {
  const { sink, signal } = options;
  const end: ChannelEnd = { delivered: false, stalled: false };
  const controller = new AbortController();
  const abort = () => controller.abort();
  signal.addEventListener("abort", abort, { once: true });
  // A proxy that buffers the stream shows up as silence, not as an error. Any bytes
  // count as progress, so a large first diff on a slow link is not mistaken for it.
  const onSilence = () => {
    end.stalled = true;
    controller.abort();
  };
  let watchdog = setTimeout(onSilence, options.syncTimeoutMs);
  const rearm = () => {
    clearTimeout(watchdog);
    watchdog = setTimeout(onSilence, end.delivered ? options.idleTimeoutMs : options.syncTimeoutMs);
  };
  try {
    const response = await options.fetch(options.url, {
      headers: { accept: "text/event-stream" },
      cache: "no-store",
      signal: controller.signal,
    });
    if (!response.ok) throw await failureOf(response);
    const type = response.headers.get("content-type") ?? "";
    if (!type.startsWith("text/event-stream") || !response.body) {
      throw new Retryable(`expected an event stream, got ${type || "no body"}`);
    }
    const parser = new SseParser(({ event, data }) => {
      switch (event) {
        case SseEvent.Update:
          sink.update(fromBase64(data));
          break;
        case SseEvent.Synced:
          end.delivered = true;
          rearm();
          sink.synced(fromBase64(data));
          break;
        case SseEvent.Awareness:
          sink.awareness(fromBase64(data));
          break;
        case SseEvent.Error:
          throw streamFailureOf(data);
      }
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rearm();
      parser.push(decoder.decode(value, { stream: true }));
    }
  } catch (error) {
    end.error = error;
  } finally {
    clearTimeout(watchdog);
    signal.removeEventListener("abort", abort);
    controller.abort();
  }
  return end;
}
