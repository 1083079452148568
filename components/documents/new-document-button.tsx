"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { createDoc } from "@/lib/api-client";

/** Creates an "Untitled" document and opens it. */
export function NewDocumentButton() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function create() {
    setBusy(true);
    setError(null);
    try {
      const doc = await createDoc("");
      router.push(`/d/${doc.id}`);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "Could not create the document");
      setBusy(false);
    }
  }

  return (
    <div className="new-doc">
      <button type="button" onClick={create} disabled={busy}>
        {busy ? "Creating…" : "New document"}
      </button>
      {error ? <p role="alert">{error}</p> : null}
    </div>
  );
}
