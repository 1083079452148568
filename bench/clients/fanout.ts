import { nowMicros } from "../clock";
import type { ServerTarget } from "../servers/launch";
import { type BenchClient, connect } from "./connect";
import { driveClient } from "./driver";

export type FanoutInput =
  | { role: "writer"; target: ServerTarget; docName: string; count: number; ratePerSecond: number }
  | { role: "receivers"; target: ServerTarget; docName: string; clients: number; count: number };

export type FanoutResult =
  | { role: "writer"; sentAt: number[] }
  | { role: "receivers"; arrivals: number[][] };

/**
 * Scenario (c): one writer appends one character at a fixed rate; receivers
 * note when each character reached them. The n-th character makes the text n
 * long, so a receiver knows which updates a change carried from its length
 * alone, merged or not. Presence is off: only document traffic is measured.
 */
driveClient<FanoutInput, FanoutResult>(async (input) => {
  if (input.role === "writer") {
    const writer = connect(input.target, input.docName, { awareness: false });
    await writer.synced();
    return async () => {
      const sentAt = await sendAtRate(writer, input.count, input.ratePerSecond);
      await writer.acknowledged?.();
      writer.destroy();
      return { role: "writer", sentAt };
    };
  }
  const clients: BenchClient[] = [];
  for (let i = 0; i < input.clients; i++) {
    clients.push(connect(input.target, input.docName, { awareness: false }));
  }
  await Promise.all(clients.map((client) => client.synced()));
  const arrivals = clients.map(() => new Array<number>(input.count).fill(0));
  const complete = clients.map((client, index) => {
    const seen = arrivals[index]!;
    let known = client.text.length;
    return new Promise<void>((resolve) => {
      const onChange = () => {
        const now = nowMicros();
        const length = client.text.length;
        for (let n = known + 1; n <= Math.min(length, input.count); n++) seen[n - 1] = now;
        known = length;
        if (length >= input.count) {
          client.text.unobserve(onChange);
          resolve();
        }
      };
      client.text.observe(onChange);
    });
  });
  return async () => {
    await Promise.all(complete);
    for (const client of clients) client.destroy();
    return { role: "receivers", arrivals };
  };
});

/** Open-loop sending: each update is due at a fixed time, whether or not earlier ones were answered. */
async function sendAtRate(client: BenchClient, count: number, rate: number): Promise<number[]> {
  const period = 1_000_000 / rate;
  const start = nowMicros();
  const sentAt: number[] = [];
  for (let n = 0; n < count; n++) {
    const due = start + n * period;
    const wait = due - nowMicros();
    if (wait > 1000) await new Promise((resolve) => setTimeout(resolve, Math.floor(wait / 1000)));
    while (nowMicros() < due) await new Promise((resolve) => setImmediate(resolve));
    sentAt.push(nowMicros());
    client.text.insert(client.text.length, "x");
  }
  return sentAt;
}
