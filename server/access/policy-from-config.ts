import type { Config } from "../config";
import { OpenPolicy } from "./open-policy";
import type { AccessPolicy } from "./policy";
import { TokenPolicy } from "./token-policy";

/** The access policy the configuration asks for: tokens when AUTH_SECRET or AUTH_JWKS_URL is set, else open. */
export function policyFromConfig(config: Config): AccessPolicy {
  if (config.AUTH_SECRET) return TokenPolicy.withSecret(config.AUTH_SECRET);
  if (config.AUTH_JWKS_URL) return TokenPolicy.withJwks(new URL(config.AUTH_JWKS_URL));
  return new OpenPolicy();
}
