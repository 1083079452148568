import type { AccessPolicy, Permission } from "./policy";
import { ANONYMOUS, type Principal } from "./principal";

/**
 * Tandem without access control: everyone is the anonymous principal and may
 * read and write every document. For a server only its owner can reach.
 */
export class OpenPolicy implements AccessPolicy {
  readonly name = "open";

  async authenticate(): Promise<Principal> {
    return ANONYMOUS;
  }

  async permission(): Promise<Permission> {
    return "write";
  }
}
