import { access } from "node:fs/promises";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { expect } from "vitest";
import { waitUntil } from "./wait";

/** Debian's Chromium; tests never download a browser. `.ci/run` installs the package when missing. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Headless Chromium as this machine allows it: no sandbox (CI runs as root),
 * and no background networking, which the closed network would refuse many
 * times a second.
 */
export async function launchChromium(): Promise<Browser> {
  await access(CHROMIUM_PATH).catch(() => {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium package (.ci/run does) or set CHROMIUM_PATH`,
    );
  });
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export interface BrowserUser {
  name: string;
  color: string;
  context: BrowserContext;
  page: Page;
}

/** A browser profile of its own (separate storage, like a second person) with a known identity. */
export async function newUser(
  browser: Browser,
  name: string,
  color: string,
  options: Parameters<Browser["newContext"]>[0] = {},
): Promise<BrowserUser> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 }, ...options });
  await context.addInitScript(
    ([key, value]) => {
      if (!localStorage.getItem(key as string))
        localStorage.setItem(key as string, value as string);
    },
    ["tandem.identity", JSON.stringify({ name, color })],
  );
  const page = await context.newPage();
  page.on("pageerror", (error) => {
    console.error(`[${name}] page error: ${error.message}`);
  });
  return { name, color, context, page };
}

/** Opens the editor and waits until it is live over the given transport. */
export async function openEditor(
  user: BrowserUser,
  baseUrl: string,
  docId: string,
  transport: "websocket" | "http" = "websocket",
): Promise<void> {
  await user.page.goto(`${baseUrl}/d/${docId}`);
  await user.page.locator(".live-editor[data-ready] .tiptap").waitFor({ timeout: 30_000 });
  await waitForLive(user, transport);
}

export async function waitForLive(
  user: BrowserUser,
  transport: "websocket" | "http",
): Promise<void> {
  const selector =
    transport === "websocket"
      ? '.connection-status[data-connection="live"] [data-transport="websocket"]'
      : '.connection-status[data-connection="live"] [data-transport^="http"]';
  await user.page.locator(selector).waitFor({ timeout: 30_000 });
}

/** The document's text, one line per top-level block, without other people's caret labels. */
export function editorText(user: BrowserUser): Promise<string> {
  return user.page.locator(".tiptap").evaluate((root) => {
    const copy = root.cloneNode(true) as HTMLElement;
    for (const caret of copy.querySelectorAll(".collaboration-carets__caret")) caret.remove();
    return Array.from(copy.children, (block) => block.textContent ?? "").join("\n");
  });
}

/** Text of each element matching `selector` in the editor, without caret labels. */
export function textsIn(user: BrowserUser, selector: string): Promise<string[]> {
  return user.page.locator(".tiptap").evaluate((root, sel) => {
    return Array.from(root.querySelectorAll(sel), (element) => {
      const copy = element.cloneNode(true) as HTMLElement;
      for (const caret of copy.querySelectorAll(".collaboration-carets__caret")) caret.remove();
      return copy.textContent ?? "";
    });
  }, selector);
}

/** Waits until every user's editor shows the same text and that text passes `check`. */
export async function waitForSameText(
  users: BrowserUser[],
  check: (text: string) => boolean,
  timeoutMs = 30_000,
): Promise<string> {
  let texts: string[] = [];
  const converged = async () => {
    texts = await Promise.all(users.map(editorText));
    return texts.every((text) => text === texts[0]) && check(texts[0] ?? "");
  };
  try {
    await waitUntil(converged, "every editor to show the same text", timeoutMs);
  } catch {
    expect(texts, "editors did not converge").toEqual(users.map(() => texts[0]));
    throw new Error(`editors converged on text that fails the check:\n${texts[0]}`);
  }
  return texts[0] ?? "";
}
