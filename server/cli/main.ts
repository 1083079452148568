import { parseArgs } from "node:util";
import { converge } from "./converge/command";
import { serve } from "./serve";
import { token } from "./token";

const USAGE = `Usage: tandem <command> [options]

Commands:
  serve            Run the web app and sync server on one port (default 3000)
    --no-web       Run only the sync server and HTTP API (self-hosted backend)
    --dev          Run Next.js in development mode
    --port N       Listen on port N (overrides PORT)
  converge         Prove a sync server converges under faults (see tandem converge --help)
  token            Mint an access token (needs AUTH_SECRET; see tandem token --help)

Configuration comes from environment variables; see README.md.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command === "serve") {
    const { values } = parseArgs({
      args: rest,
      options: {
        "no-web": { type: "boolean", default: false },
        dev: { type: "boolean", default: false },
        port: { type: "string" },
      },
      strict: true,
    });
    let port: number | undefined;
    if (values.port !== undefined) {
      port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        process.stderr.write(
          `tandem: --port must be a number from 0 to 65535, got ${values.port}\n`,
        );
        return 2;
      }
    }
    return serve({ web: !values["no-web"], dev: values.dev, port });
  }
  if (command === "converge") return converge(rest);
  if (command === "token") return token(rest);
  process.stderr.write(`tandem: unknown command '${command}'\n\n${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`tandem: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
