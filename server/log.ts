import { pino } from "pino";

export type Logger = pino.Logger;

/** JSON lines on stdout, one event per line; components add `component` and ids as fields. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "tandem" },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** The message of anything thrown, for a log field or an error body. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
