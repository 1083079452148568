import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, waitAcknowledged, waitSynced } from "../helpers/clients";
import { type ServerProcess, spawnServer } from "../helpers/server-process";

/**
 * `tandem serve` as `npm start` runs it: builds the web app if it is stale,
 * then serves pages, API and sync on one port.
 */
describe("one process, one port", () => {
  let dataDir: string;
  let server: ServerProcess;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "tandem-one-port-"));
    server = await spawnServer({ DATA_DIR: dataDir }, ["serve"], 600_000);
  }, 600_000);
  afterAll(async () => {
    server?.child.kill("SIGTERM");
    await server?.exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  it("serves the document list, the API and /collab together", async () => {
    const created = await fetch(`${server.url}/api/docs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "One port plan" }),
    });
    const { doc } = (await created.json()) as { doc: { id: string } };

    const writer = connectClient(server.wsUrl, doc.id);
    await waitSynced(writer);
    const paragraph = writer.doc.getXmlFragment("default");
    const { XmlElement, XmlText } = await import("yjs");
    const p = new XmlElement("paragraph");
    p.insert(0, [new XmlText("Rendered by the server")]);
    paragraph.insert(0, [p]);
    await waitAcknowledged(writer);
    writer.destroy();

    const home = await fetch(`${server.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get("content-type")).toContain("text/html");
    expect(await home.text()).toContain("One port plan");

    const page = await fetch(`${server.url}/d/${doc.id}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Rendered by the server");

    const missing = await fetch(`${server.url}/d/no-such-doc-here`);
    expect(missing.status).toBe(404);
  });
});
