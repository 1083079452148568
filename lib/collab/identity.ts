/**
 * The local user's display name and caret colour. Chosen at random on first
 * visit and remembered in localStorage so the same person keeps the same
 * identity across documents and reloads.
 */
export interface Identity {
  name: string;
  color: string;
}

const STORAGE_KEY = "tandem.identity";
export const MAX_NAME_LENGTH = 40;

/** Colours picked for contrast against white text labels and the page background. */
export const CARET_COLORS = [
  "#d0021b",
  "#e3730e",
  "#b8860b",
  "#2e8b57",
  "#0b8a8a",
  "#0b63ce",
  "#6a3fd1",
  "#c2185b",
] as const;

const ADJECTIVES = ["Brave", "Calm", "Eager", "Gentle", "Lucky", "Quick", "Quiet", "Witty"];
const ANIMALS = ["Badger", "Falcon", "Heron", "Lynx", "Otter", "Panda", "Raven", "Wombat"];

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)] as T;
}

export function randomIdentity(): Identity {
  return { name: `${pick(ADJECTIVES)} ${pick(ANIMALS)}`, color: pick(CARET_COLORS) };
}

/** Trims and bounds a name; an empty name is not an identity anyone can recognise. */
export function normaliseIdentity(input: Partial<Identity>, fallback: Identity): Identity {
  const name = (input.name ?? "").trim().slice(0, MAX_NAME_LENGTH) || fallback.name;
  const color = /^#[0-9a-f]{6}$/i.test(input.color ?? "")
    ? (input.color as string)
    : fallback.color;
  return { name, color };
}

/** Reads the remembered identity, creating and storing one when there is none or it is unreadable. */
export function loadIdentity(storage: Storage | undefined = globalThis.localStorage): Identity {
  const fresh = randomIdentity();
  if (!storage) return fresh;
  try {
    const raw = storage.getItem(STORAGE_KEY);
    if (raw) return normaliseIdentity(JSON.parse(raw) as Partial<Identity>, fresh);
  } catch {
    // Unreadable JSON or storage blocked by privacy settings: start over with a fresh identity.
  }
  saveIdentity(fresh, storage);
  return fresh;
}

export function saveIdentity(
  identity: Identity,
  storage: Storage | undefined = globalThis.localStorage,
): void {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify(identity));
  } catch {
    // Storage full or blocked: the identity still applies for this page, just not remembered.
  }
}
