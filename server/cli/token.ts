import { parseArgs } from "node:util";
import { DOC_ID_RULE, isValidDocId } from "../../lib/doc-id";
import { mintToken, parseTtl } from "../access/mint-token";
import { ALL_DOCUMENTS, ROLES, type Role } from "../access/roles";
import { ConfigError, loadConfig } from "../config";

const USAGE = `Usage: tandem token --user <id> --name <name> --role <read|write|admin> [--doc <id>...] [--ttl 30d]

Prints a signed access token (needs AUTH_SECRET in the environment, as the server).
Without --doc the role covers every document; with one or more --doc, only those.
Clients pass it as HocuspocusProvider's token, as ?token= on /yjs/<id>, or as
"Authorization: Bearer <token>" over HTTP.`;

/** `tandem token`: mints a token the server (with the same AUTH_SECRET) accepts. */
export async function token(argv: string[]): Promise<number> {
  let values: {
    user?: string;
    name?: string;
    role?: string;
    doc?: string[];
    ttl?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        user: { type: "string" },
        name: { type: "string" },
        role: { type: "string" },
        doc: { type: "string", multiple: true },
        ttl: { type: "string", default: "30d" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!values.user) return fail("--user is required");
  if (!values.name) return fail("--name is required (the name others see)");
  const role = values.role as Role | undefined;
  if (!role || !ROLES.includes(role)) return fail(`--role must be one of ${ROLES.join(", ")}`);
  const bad = (values.doc ?? []).find((id) => !isValidDocId(id));
  if (bad !== undefined) return fail(`--doc ${bad}: a document id is ${DOC_ID_RULE}`);
  const ttlSeconds = parseTtl(values.ttl ?? "30d");
  if (ttlSeconds === null) return fail(`--ttl ${values.ttl}: use a number with s, m, h or d (30d)`);
  let secret: string | undefined;
  try {
    secret = loadConfig().AUTH_SECRET;
  } catch (error) {
    return fail(error instanceof ConfigError ? error.message : String(error));
  }
  if (!secret) return fail("AUTH_SECRET is not set: set the same secret the server uses");
  const docs = values.doc?.length ? values.doc : [ALL_DOCUMENTS];
  const roles = Object.fromEntries(docs.map((id) => [id, role]));
  process.stdout.write(
    `${await mintToken(secret, { user: values.user, name: values.name, roles, ttlSeconds })}\n`,
  );
  return 0;
}

function fail(message: string): number {
  process.stderr.write(`tandem token: ${message}\n\n${USAGE}\n`);
  return 2;
}
