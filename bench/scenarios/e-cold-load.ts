import { runClients, startClients } from "../client-process";
import type { LoaderInput, LoaderResult } from "../clients/loader";
import { MetricSet } from "../results";
import type { RunningServer, ServerKind } from "../servers/launch";
import { rotation, runIndexes, type Scenario, withServers } from "./context";

const DOC = "large-document";

/** (e) Loading a large document: over HTTP and over the socket, cold and open. */
export const coldLoadScenario: Scenario = {
  id: "e",
  title: "Large document: time to first content",
  async run({ profile, servers, log }) {
    const { chars, chunk } = profile.coldLoad;
    const size = `${(chars / 2 ** 20).toFixed(2)} MB`;
    const metrics = new MetricSet();
    metrics.define("e.http.cold", `${size} over HTTP, cold (just-started server)`, "ms", "lower");
    metrics.define(
      "e.socket.cold",
      `${size} over the socket, cold (just-started server)`,
      "ms",
      "lower",
    );
    metrics.define("e.http.open", `${size} over HTTP, document open`, "ms", "lower");
    metrics.define("e.socket.open", `${size} over the socket, document open`, "ms", "lower");

    const load = async (server: RunningServer, via: "http" | "socket") => {
      const { results } = await runClients<LoaderInput, LoaderResult>("loader.ts", [
        { role: "load", via, target: server.target, docName: DOC, chars },
      ]);
      const result = results[0]!;
      if (result.role !== "load") throw new Error("loader returned no load result");
      if (!result.ok)
        metrics.fail(`${server.target.kind}: ${via} load did not return the whole text`);
      return (result.loadedAt - result.startedAt) / 1000;
    };
    const record = (id: string, kind: ServerKind, run: number, ms: number) => {
      log(`  e ${kind} ${id} run ${run}: ${ms.toFixed(1)} ms`);
      if (run >= 0) metrics.add(id, kind, ms);
    };

    await withServers(servers, async (running) => {
      const fillers = new Map<
        ServerKind,
        ReturnType<typeof startClients<LoaderInput, LoaderResult>>
      >();
      try {
        for (const kind of servers) {
          const server = running.get(kind)!;
          // Servers without storage keep a document only while a client has it open.
          const filler = startClients<LoaderInput, LoaderResult>("loader.ts", [
            { role: "fill", target: server.target, docName: DOC, chars, chunk },
          ]);
          fillers.set(kind, filler);
          await filler.ready;
          filler.go();
          const [filled] = await filler.results;
          if (filled?.role !== "fill" || !filled.ok)
            metrics.fail(`${kind}: filling the document failed`);
        }
        for (const run of runIndexes(profile)) {
          for (const kind of rotation(servers, run)) {
            const server = running.get(kind)!;
            record("e.socket.open", kind, run, await load(server, "socket"));
            if (kind === "tandem") record("e.http.open", kind, run, await load(server, "http"));
          }
        }
      } finally {
        await Promise.all([...fillers.values()].map((filler) => filler.stop()));
      }
      const tandem = running.get("tandem");
      if (!tandem) return;
      for (const run of runIndexes(profile)) {
        await tandem.restart();
        record("e.http.cold", "tandem", run, await load(tandem, "http"));
        await tandem.restart();
        record("e.socket.cold", "tandem", run, await load(tandem, "socket"));
      }
    });
    return metrics.result(this.id, this.title, [
      `The document: ${chars.toLocaleString("en")} characters written in ${chunk}-character updates.`,
      "Time to first content = request sent -> the client holds the whole text (HTTP: GET /api/docs/<id>/state decoded into a Y.Doc).",
      "Cold: Tandem restarted (the document only in LevelDB). Stock Hocuspocus and y-websocket keep no documents, so they have no cold load and no HTTP endpoint.",
    ]);
  },
};
