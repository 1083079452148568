import type { Peer } from "@/lib/collab/session";

function initials(name: string): string {
  const parts = name.trim().split(/\s+/);
  return ((parts[0]?.[0] ?? "") + (parts[1]?.[0] ?? "")).toUpperCase() || "?";
}

/** Everyone in the document right now, you first. */
export function PresenceBar({ peers }: { peers: Peer[] }) {
  const others = peers.filter((peer) => !peer.self).length;
  return (
    <div className="presence-bar">
      <ul className="presence-list" aria-label="People in this document">
        {peers.map((peer) => (
          <li
            key={peer.clientId}
            className="presence-avatar"
            style={{ backgroundColor: peer.color }}
            title={peer.self ? `${peer.name} (you)` : peer.name}
            data-peer-name={peer.name}
            data-self={peer.self || undefined}
          >
            {initials(peer.name)}
          </li>
        ))}
      </ul>
      <span className="presence-count">
        {others === 0 ? "Only you" : `${others} other${others === 1 ? "" : "s"} here`}
      </span>
    </div>
  );
}
