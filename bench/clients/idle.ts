import { nowMicros } from "../clock";
import type { ServerTarget } from "../servers/launch";
import { type BenchClient, connect } from "./connect";
import { driveClient } from "./driver";

export interface IdleInput {
  target: ServerTarget;
  /** One client per entry; a name listed twice gets two clients. */
  docNames: string[];
}

export interface IdleResult {
  syncedAt: number;
}

/**
 * Scenario (d): many idle editors, one document each (presence on, as an open
 * editor has it). They connect at once on "go" and stay until told to exit.
 */
driveClient<IdleInput, IdleResult>(async (input) => {
  const clients: BenchClient[] = [];
  return async () => {
    for (const name of input.docNames)
      clients.push(connect(input.target, name, { awareness: true }));
    await Promise.all(clients.map((client) => client.synced()));
    return { syncedAt: nowMicros() };
  };
});
