import * as Y from "yjs";
import { nowMicros } from "../clock";
import type { ServerTarget } from "../servers/launch";
import { type BenchClient, connect } from "./connect";
import { driveClient } from "./driver";

export type LoaderInput =
  | { role: "fill"; target: ServerTarget; docName: string; chars: number; chunk: number }
  | { role: "load"; via: "http" | "socket"; target: ServerTarget; docName: string; chars: number };

export type LoaderResult =
  | { role: "fill"; ok: boolean }
  | { role: "load"; startedAt: number; loadedAt: number; ok: boolean };

/**
 * Scenario (e). "fill" writes a large document in paste-sized updates and
 * stays connected (servers without storage keep a document only while someone
 * has it open). "load" measures the time until a client holds the whole text:
 * over HTTP (GET /api/docs/<id>/state, decoded into a Y.Doc) or a provider.
 */
driveClient<LoaderInput, LoaderResult>(async (input) => {
  if (input.role === "fill") {
    const writer = connect(input.target, input.docName, { awareness: false });
    await writer.synced();
    return async () => {
      const chunk = "lorem ipsum dolor sit amet ".repeat(Math.ceil(input.chunk / 27));
      for (let written = 0; written < input.chars; written += input.chunk) {
        const part = chunk.slice(0, Math.min(input.chunk, input.chars - written));
        writer.text.insert(writer.text.length, part);
      }
      await writer.acknowledged?.();
      return { role: "fill", ok: writer.text.length === input.chars };
    };
  }
  const { target, docName, chars } = input;
  // Node loads its fetch implementation on first use (tens of ms); a browser has it ready.
  // A data: URL warms it without opening a connection to the server.
  if (input.via === "http") await (await fetch("data:,warm-up")).text();
  return async () => {
    const startedAt = nowMicros();
    let ok: boolean;
    if (input.via === "http") {
      const response = await fetch(`${target.httpUrl}/api/docs/${docName}/state`);
      const state = new Uint8Array(await response.arrayBuffer());
      const doc = new Y.Doc();
      Y.applyUpdate(doc, state);
      ok = response.ok && doc.getText("text").length === chars;
      doc.destroy();
    } else {
      const reader: BenchClient = connect(target, docName, { awareness: false });
      await reader.synced();
      ok = reader.text.length === chars;
      reader.destroy();
    }
    return { role: "load", startedAt, loadedAt: nowMicros(), ok };
  };
});
