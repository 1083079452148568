import type { SessionSnapshot } from "@/lib/collab/session";

const LABELS: Record<SessionSnapshot["connection"], string> = {
  connecting: "Connecting…",
  live: "Live",
  offline: "Offline",
  reconnecting: "Reconnecting…",
};

const TRANSPORTS: Record<SessionSnapshot["transport"], string> = {
  websocket: "WebSocket",
  "http-stream": "HTTP (event stream)",
  "http-poll": "HTTP (long-polling)",
  none: "",
};

/** Connection state, transport and whether every local change has reached the server. */
export function ConnectionStatus({ snapshot }: { snapshot: SessionSnapshot | null }) {
  const connection = snapshot?.connection ?? "connecting";
  const unsynced = snapshot?.unsyncedChanges ?? 0;
  const transport = snapshot ? TRANSPORTS[snapshot.transport] : "";
  let saved: string;
  if (!snapshot) saved = "";
  else if (unsynced === 0 && connection === "live") saved = "All changes saved";
  else if (unsynced === 0) saved = "No unsaved changes";
  else
    saved = `${unsynced} unsaved ${unsynced === 1 ? "change" : "changes"}${
      snapshot.savedLocally ? " (kept in this browser)" : ""
    }`;
  return (
    <div className="connection-status" data-connection={connection} data-unsynced={unsynced}>
      <span className="connection-dot" aria-hidden="true" />
      <span className="connection-label" role="status" aria-live="polite">
        {LABELS[connection]}
      </span>
      {transport ? (
        <span className="connection-transport" data-transport={snapshot?.transport}>
          via {transport}
        </span>
      ) : null}
      {saved ? <span className="save-state">{saved}</span> : null}
    </div>
  );
}
