import { parseArgs } from "node:util";
import { z } from "zod";

export const CONVERGE_USAGE = `Usage: tandem converge [options]

Points many real clients (HocuspocusProvider and plain y-websocket) at a sync
server, edits concurrently while injecting faults, then proves every replica
converged and nothing the server acknowledged was lost. Exits 0 only then.

Options:
  --url URL            server to test, e.g. ws://localhost:3000 (default: start a
                       Tandem server with a temporary DATA_DIR)
  --server-cmd CMD     start this command as the server instead (it gets PORT);
                       lets 'all' faults kill and restart your own server
  --clients N          simulated users (default 8)
  --docs N             documents they share (default 2)
  --seconds N          editing time before the final check (default 10)
  --rate N             edits per second per client (default 10)
  --seed N             seed for every random choice (default: random, printed)
  --protocols LIST     client kinds: hocuspocus,y-websocket (default both)
  --faults MODE        none | net (disconnects, offline editing, latency,
                       stalls) | all (net + SIGKILL and restart of the server
                       it started) (default net)
  --collab-path PATH   Hocuspocus endpoint path (default /collab)
  --yjs-path PATH      y-websocket endpoint prefix (default /yjs)
  --timeout N          seconds to wait for convergence after quiesce (default 30)
  --json               print the report as JSON on stdout
  -h, --help           show this help`;

const optionsSchema = z
  .object({
    url: z
      .string()
      .regex(/^wss?:\/\/[^/]+$/, "--url must be ws://host:port or wss://host:port (no path)")
      .optional(),
    serverCmd: z.string().min(1).optional(),
    clients: z.coerce.number().int().min(1).max(500),
    docs: z.coerce.number().int().min(1).max(100),
    seconds: z.coerce.number().positive().max(3600),
    rate: z.coerce.number().positive().max(1000),
    seed: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1),
    protocols: z.array(z.enum(["hocuspocus", "y-websocket"])).min(1),
    faults: z.enum(["none", "net", "all"]),
    collabPath: z.string().startsWith("/"),
    yjsPath: z.string().startsWith("/"),
    timeout: z.coerce.number().positive().max(3600),
    json: z.boolean(),
  })
  .refine((o) => !(o.url && o.serverCmd), "--url and --server-cmd exclude each other")
  .refine((o) => !(o.faults === "all" && o.url), {
    message:
      "--faults all restarts the server, so it needs a server it starts itself (drop --url or use --server-cmd)",
  });

export type ConvergeOptions = z.infer<typeof optionsSchema>;

/** Parses argv; throws an Error whose message is the one line to print on bad usage. */
export function parseConvergeArgs(argv: string[]): ConvergeOptions | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: "string" },
      "server-cmd": { type: "string" },
      clients: { type: "string", default: "8" },
      docs: { type: "string", default: "2" },
      seconds: { type: "string", default: "10" },
      rate: { type: "string", default: "10" },
      seed: { type: "string" },
      protocols: { type: "string", default: "hocuspocus,y-websocket" },
      faults: { type: "string", default: "net" },
      "collab-path": { type: "string", default: "/collab" },
      "yjs-path": { type: "string", default: "/yjs" },
      timeout: { type: "string", default: "30" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) return "help";
  const parsed = optionsSchema.safeParse({
    url: values.url,
    serverCmd: values["server-cmd"],
    clients: values.clients,
    docs: values.docs,
    seconds: values.seconds,
    rate: values.rate,
    seed: values.seed ?? String(Math.floor(Math.random() * 2 ** 31)),
    protocols: values.protocols?.split(",").map((kind) => kind.trim()),
    faults: values.faults,
    collabPath: values["collab-path"],
    yjsPath: values["yjs-path"],
    timeout: values.timeout,
    json: values.json,
  });
  if (!parsed.success) {
    throw new Error(
      parsed.error.issues
        .map((issue) =>
          issue.path.length ? `--${issue.path.join(".")}: ${issue.message}` : issue.message,
        )
        .join("; "),
    );
  }
  return parsed.data;
}
