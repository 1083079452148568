"use client";

import { useEffect, useState, useSyncExternalStore } from "react";
import type { CollabSession, SessionOptions, SessionSnapshot } from "./session";

/**
 * Opens a session for the component's lifetime. The session is created in an
 * effect, not during render, because it opens sockets and IndexedDB, which
 * must never happen on the server or twice under React's strict re-renders.
 */
export function useCollabSession(create: () => CollabSession, key: string): CollabSession | null {
  const [session, setSession] = useState<CollabSession | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the session is recreated only when the document changes; `create` is a fresh closure every render.
  useEffect(() => {
    const next = create();
    setSession(next);
    return () => {
      setSession(null);
      next.destroy();
    };
  }, [key]);
  return session;
}

const noSubscribe = () => () => {};

/** The session's current snapshot, re-rendering on every change; null before the session opens. */
export function useSessionSnapshot(session: CollabSession | null): SessionSnapshot | null {
  return useSyncExternalStore(
    session ? session.subscribe : noSubscribe,
    () => (session ? session.getSnapshot() : null),
    () => null,
  );
}

export type { SessionOptions };
