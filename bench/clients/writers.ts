import { nowMicros } from "../clock";
import type { ServerTarget } from "../servers/launch";
import { type BenchClient, connect } from "./connect";
import { driveClient } from "./driver";

export interface WritersInput {
  target: ServerTarget;
  /** One writer per document. */
  docNames: string[];
  updatesEach: number;
}

export interface WritersResult {
  updates: number;
  acknowledgedAt: number;
}

/**
 * Scenario (f): concurrent writers, each typing into its own document as fast
 * as it can; done when the server acknowledged every update.
 */
driveClient<WritersInput, WritersResult>(async (input) => {
  const writers: BenchClient[] = input.docNames.map((name) =>
    connect(input.target, name, { awareness: true }),
  );
  await Promise.all(writers.map((writer) => writer.synced()));
  return async () => {
    for (let n = 0; n < input.updatesEach; n++) {
      for (const writer of writers) writer.text.insert(writer.text.length, "x");
    }
    await Promise.all(writers.map((writer) => writer.acknowledged?.()));
    const acknowledgedAt = nowMicros();
    for (const writer of writers) writer.destroy();
    return { updates: input.updatesEach * writers.length, acknowledgedAt };
  };
});
