"use client";

import { useEffect } from "react";

/**
 * Registers public/sw.js so documents open again after a reload while offline.
 * Skipped in development, where cached pages would hide fresh code.
 */
export function ServiceWorkerRegistration() {
  useEffect(() => {
    if (process.env.NODE_ENV !== "production" || !("serviceWorker" in navigator)) return;
    let cancelled = false;
    void (async () => {
      try {
        await navigator.serviceWorker.register("/sw.js", { scope: "/" });
        const registration = await navigator.serviceWorker.ready;
        if (cancelled) return;
        // This page and its scripts loaded before the worker could see them.
        const urls = [
          window.location.href,
          ...performance
            .getEntriesByType("resource")
            .map((entry) => entry.name)
            .filter((name) => name.includes("/_next/static/")),
        ];
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          // Marks the page as able to reload offline (tests and styles can key on it).
          document.documentElement.dataset.offlineReady = "true";
        };
        registration.active?.postMessage({ type: "cache-urls", urls }, [channel.port2]);
      } catch (error) {
        // Without a worker everything still works online; only offline reloads are lost.
        console.warn("Tandem: offline support unavailable:", error);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, []);
  return null;
}
