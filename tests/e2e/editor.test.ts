import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BrowserUser,
  editorText,
  launchChromium,
  newUser,
  openEditor,
  textsIn,
  waitForLive,
  waitForSameText,
} from "../helpers/browser";
import { type ServerProcess, spawnServer } from "../helpers/server-process";

const RESULTS_DIR = path.resolve(import.meta.dirname, "../../test-results");

/**
 * The editor as people use it: a real `tandem serve` (Next.js + sync on one
 * port) and Debian's Chromium, with separate browser contexts standing in for
 * separate people.
 */
describe("editor in Chromium", () => {
  let dataDir: string;
  let server: ServerProcess;
  let browser: Browser;
  const users: BrowserUser[] = [];

  async function createDoc(title: string): Promise<string> {
    const response = await fetch(`${server.url}/api/docs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { doc: { id: string } }).doc.id;
  }

  async function user(name: string, color: string, options = {}): Promise<BrowserUser> {
    const created = await newUser(browser, name, color, options);
    users.push(created);
    return created;
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "tandem-e2e-"));
    server = await spawnServer({ DATA_DIR: dataDir }, ["serve"], 600_000);
    browser = await launchChromium();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    server?.child.kill("SIGTERM");
    await server?.exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  it("two people type at the same time and end with identical text; each sees the other's caret", async () => {
    const id = await createDoc("Two writers");
    const alice = await user("Alice Example", "#d0021b");
    const bob = await user("Bob Example", "#0b63ce");
    await Promise.all([openEditor(alice, server.url, id), openEditor(bob, server.url, id)]);

    await alice.page.locator(".tiptap").click();
    await alice.page.keyboard.type("Alice writes the first line.");
    await alice.page.keyboard.press("Enter");
    await alice.page.keyboard.type("Bob's line.");
    await waitForSameText([alice, bob], (text) => text.includes("Bob's line."));

    // Both type at once, each in their own paragraph. (Two carets at the very same
    // spot interleave keystrokes in any CRDT editor; that is not what this checks.)
    await alice.page.keyboard.press("ControlOrMeta+Home");
    await alice.page.keyboard.press("End");
    await bob.page.locator(".tiptap").click();
    await bob.page.keyboard.press("ControlOrMeta+End");
    await Promise.all([
      alice.page.keyboard.type(" Alice keeps typing while Bob does.", { delay: 15 }),
      bob.page.keyboard.type(" Bob types at the same moment.", { delay: 15 }),
    ]);
    const text = await waitForSameText(
      [alice, bob],
      (t) =>
        t.includes("Alice keeps typing while Bob does.") &&
        t.includes("Bob types at the same moment."),
    );
    expect(text.split("\n").slice(0, 2)).toEqual([
      "Alice writes the first line. Alice keeps typing while Bob does.",
      "Bob's line. Bob types at the same moment.",
    ]);

    // Each sees the other's named caret, drawn by the collaboration caret extension.
    await expect
      .poll(() => bob.page.locator(".collaboration-carets__label").allInnerTexts())
      .toContain("Alice Example");
    await expect
      .poll(() => alice.page.locator(".collaboration-carets__label").allInnerTexts())
      .toContain("Bob Example");
    // And the presence bar lists both.
    await expect
      .poll(() =>
        alice.page
          .locator(".presence-avatar")
          .evaluateAll((els) => els.map((el) => el.getAttribute("data-peer-name"))),
      )
      .toEqual(expect.arrayContaining(["Alice Example", "Bob Example"]));

    await mkdir(RESULTS_DIR, { recursive: true });
    await bob.page.locator(".tiptap").click();
    await alice.page.screenshot({
      path: path.join(RESULTS_DIR, "editor-two-users.png"),
      fullPage: true,
    });
  });

  it("formatting applied by one person appears for the other", async () => {
    const id = await createDoc("Formatting");
    const alice = await user("Alice Format", "#2e8b57");
    const bob = await user("Bob Format", "#6a3fd1");
    await Promise.all([openEditor(alice, server.url, id), openEditor(bob, server.url, id)]);

    await alice.page.locator(".tiptap").click();
    await alice.page.keyboard.type("Heading here");
    await alice.page.getByRole("button", { name: "Heading 2" }).click();
    await alice.page.locator('button[aria-label="Heading 2"][aria-pressed="true"]').waitFor();
    await alice.page.keyboard.press("Enter");
    // A shortcut for one mark, the toolbar for another.
    await alice.page.keyboard.type("plain then ");
    await alice.page.keyboard.press("ControlOrMeta+b");
    await alice.page.keyboard.type("bold");
    await alice.page.keyboard.press("ControlOrMeta+b");
    await alice.page.keyboard.type(" and ");
    await alice.page.getByRole("button", { name: "Italic" }).click();
    await alice.page.locator('button[aria-label="Italic"][aria-pressed="true"]').waitFor();
    await alice.page.keyboard.type("slanted");
    await alice.page.keyboard.press("Enter");
    await alice.page.getByRole("button", { name: "Bullet list" }).click();
    await alice.page.locator('button[aria-label="Bullet list"][aria-pressed="true"]').waitFor();
    await alice.page.keyboard.type("a list item");

    await expect.poll(() => textsIn(bob, "h2")).toEqual(["Heading here"]);
    await expect.poll(() => textsIn(bob, "strong")).toEqual(["bold"]);
    await expect.poll(() => textsIn(bob, "em")).toEqual(["slanted"]);
    await expect.poll(() => textsIn(bob, "ul li")).toEqual(["a list item"]);

    // Undo is per person: Bob's undo must not remove Alice's text.
    await bob.page.locator(".tiptap").click();
    await bob.page.keyboard.press("ControlOrMeta+End");
    await bob.page.keyboard.press("Enter");
    await bob.page.keyboard.type("Bob adds this");
    await waitForSameText([alice, bob], (t) => t.includes("Bob adds this"));
    await bob.page.keyboard.press("ControlOrMeta+z");
    const afterUndo = await waitForSameText([alice, bob], (t) => !t.includes("Bob adds this"));
    expect(afterUndo).toContain("a list item");
    expect(afterUndo).toContain("plain then bold and slanted");
  });

  it("edits made offline are kept and merge with everyone's on reconnect", async () => {
    const id = await createDoc("Offline");
    const alice = await user("Alice Offline", "#e3730e");
    const bob = await user("Bob Offline", "#0b8a8a");
    await Promise.all([openEditor(alice, server.url, id), openEditor(bob, server.url, id)]);
    await alice.page.locator(".tiptap").click();
    await alice.page.keyboard.type("Shared start.");
    await waitForSameText([alice, bob], (t) => t.includes("Shared start."));

    // The service worker has cached this page, so it can be reloaded offline.
    await bob.page.locator("html[data-offline-ready]").waitFor({ state: "attached" });
    await bob.context.setOffline(true);
    await bob.page.locator('.connection-status[data-connection="offline"]').waitFor();
    await bob.page.locator(".tiptap").click();
    await bob.page.keyboard.press("ControlOrMeta+End");
    await bob.page.keyboard.type(" Bob wrote this offline.");
    await alice.page.keyboard.type(" Alice wrote this meanwhile.");
    await expect.poll(() => editorText(alice)).toContain("Alice wrote this meanwhile.");
    expect(await editorText(alice)).not.toContain("offline");
    // The status shows Bob's edit is not on the server yet.
    expect(
      Number(await bob.page.locator(".connection-status").getAttribute("data-unsynced")),
    ).toBeGreaterThan(0);

    await bob.context.setOffline(false);
    await waitForLive(bob, "websocket");
    const merged = await waitForSameText(
      [alice, bob],
      (t) => t.includes("Bob wrote this offline.") && t.includes("Alice wrote this meanwhile."),
    );
    expect(merged).toContain("Shared start.");
    await bob.page.locator('.connection-status[data-unsynced="0"]').waitFor();
  });

  it("serves the document text in the page HTML, readable with JavaScript disabled", async () => {
    const id = await createDoc("Readable without scripts");
    const alice = await user("Alice Writer", "#c2185b");
    await openEditor(alice, server.url, id);
    await alice.page.locator(".tiptap").click();
    await alice.page.keyboard.type("Server rendered sentence.");
    await alice.page.locator('.connection-status[data-unsynced="0"]').waitFor();

    const html = await (await fetch(`${server.url}/d/${id}`)).text();
    expect(html).toContain("Server rendered sentence.");

    const reader = await user("No Script", "#b8860b", { javaScriptEnabled: false });
    await reader.page.goto(`${server.url}/d/${id}`);
    expect(await reader.page.locator("[data-prerendered]").textContent()).toContain(
      "Server rendered sentence.",
    );
    expect(await reader.page.locator(".title-field").inputValue()).toBe("Readable without scripts");
  });

  it("keeps editing live over HTTP when the WebSocket is blocked", async () => {
    const id = await createDoc("Behind a proxy");
    const alice = await user("Alice Socket", "#0b63ce");
    const carol = await user("Carol Blocked", "#d0021b");
    // A proxy that refuses the upgrade: every WebSocket to /collab is closed at once,
    // until the test lifts the block.
    let blocked = true;
    await carol.context.routeWebSocket(/\/collab/, (ws) => {
      if (blocked) void ws.close({ code: 1008, reason: "blocked by proxy" });
      else ws.connectToServer();
    });
    await openEditor(alice, server.url, id);
    await openEditor(carol, server.url, id, "http");

    await carol.page.locator(".tiptap").click();
    await carol.page.keyboard.type("Carol over HTTP.");
    await expect.poll(() => editorText(alice)).toContain("Carol over HTTP.");
    await carol.page.locator('.connection-status[data-unsynced="0"]').waitFor();

    await alice.page.locator(".tiptap").click();
    await alice.page.keyboard.press("ControlOrMeta+End");
    await alice.page.keyboard.type(" Alice over the socket.");
    await waitForSameText(
      [alice, carol],
      (t) => t.includes("Carol over HTTP.") && t.includes("Alice over the socket."),
    );

    // Carol's caret reaches Alice through the HTTP awareness path too.
    await expect
      .poll(() => alice.page.locator(".collaboration-carets__label").allInnerTexts())
      .toContain("Carol Blocked");

    // Once the socket gets through again, the editor moves back to it and keeps syncing.
    blocked = false;
    await waitForLive(carol, "websocket");
    await carol.page.keyboard.type(" Back on the socket.");
    await expect.poll(() => editorText(alice)).toContain("Back on the socket.");
  });

  it("starts from the server's state even when no live transport can connect", async () => {
    const id = await createDoc("Cold start");
    const alice = await user("Alice Seed", "#0b63ce");
    await openEditor(alice, server.url, id);
    await alice.page.locator(".tiptap").click();
    await alice.page.keyboard.type("Text that was there before.");
    await alice.page.locator('.connection-status[data-unsynced="0"]').waitFor();

    const isolated = await user("Dave Isolated", "#6a3fd1");
    await isolated.context.routeWebSocket(/\/collab/, (ws) => void ws.close());
    await isolated.context.route(/\/api\/docs\/[^/]+\/(events|poll|updates|awareness)/, (route) =>
      route.abort(),
    );
    await isolated.page.goto(`${server.url}/d/${id}`);
    await isolated.page.locator(".live-editor[data-ready] .tiptap").waitFor();
    // The live editor's very first content is the fetched state, not an empty document.
    expect(await editorText(isolated)).toBe("Text that was there before.");
    expect(
      await isolated.page.locator(".connection-status").getAttribute("data-connection"),
    ).not.toBe("live");
  });

  it("lists, renames and deletes documents from the list page, and renames live in open editors", async () => {
    const id = await createDoc("Quarterly plan");
    const alice = await user("Alice List", "#2e8b57");
    const bob = await user("Bob Editor", "#6a3fd1");
    await openEditor(bob, server.url, id);

    await alice.page.goto(server.url);
    const row = alice.page.locator(`tr[data-doc-id="${id}"]`);
    await expect.poll(() => row.textContent()).toContain("Quarterly plan");
    await row.getByRole("button", { name: "Rename Quarterly plan" }).click();
    await row.getByRole("textbox").fill("Annual plan");
    await row.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => row.locator("a").textContent()).toBe("Annual plan");
    await expect.poll(() => bob.page.locator(".title-field").inputValue()).toBe("Annual plan");

    // A title edited in place in the editor reaches the list too.
    await bob.page.locator(".title-field").fill("Plan for the year");
    await bob.page.locator(".title-field").press("Enter");
    await expect
      .poll(async () => {
        await alice.page.reload();
        return row.locator("a").textContent();
      })
      .toBe("Plan for the year");

    alice.page.once("dialog", (dialog) => void dialog.accept());
    await row.getByRole("button", { name: "Delete Plan for the year" }).click();
    await row.waitFor({ state: "detached" });
    await bob.page.locator(".refused-banner").waitFor();
    expect((await fetch(`${server.url}/d/${id}`)).status).toBe(404);
  });

  it("lets people change their name and colour, shows it to others and remembers it", async () => {
    const id = await createDoc("Names");
    const alice = await user("Alice Before", "#d0021b");
    const bob = await user("Bob Watching", "#0b63ce");
    await Promise.all([openEditor(alice, server.url, id), openEditor(bob, server.url, id)]);
    await alice.page.locator(".tiptap").click();
    await alice.page.keyboard.type("Hello");

    await alice.page.getByRole("button", { name: "Alice Before" }).click();
    const form = alice.page.getByRole("form", { name: "Your name and colour" });
    await form.getByLabel("Your name").fill("Alice After");
    await form.locator('label.color-choice:has(input[value="#2e8b57"])').click();
    await form.getByRole("button", { name: "Save" }).click();
    // Carets are shown while the editor has focus; the menu took it.
    await alice.page.locator(".tiptap").click();

    await expect
      .poll(() => bob.page.locator(".collaboration-carets__label").allTextContents())
      .toContain("Alice After");
    await expect
      .poll(() =>
        bob.page
          .locator('.presence-avatar[data-peer-name="Alice After"]')
          .evaluate((el) => getComputedStyle(el).backgroundColor),
      )
      .toBe("rgb(46, 139, 87)");

    await alice.page.reload();
    await alice.page.getByRole("button", { name: "Alice After" }).waitFor();
  });

  it("shows a not-found page for unknown documents", async () => {
    const alice = await user("Alice Lost", "#59636e");
    const response = await alice.page.goto(`${server.url}/d/no-such-document`);
    expect(response?.status()).toBe(404);
    expect(await alice.page.locator("h1").textContent()).toBe("Not found");
  });
});
