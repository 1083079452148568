"use client";

import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { createDoc } from "@/lib/api-client";
import { DEFAULT_TITLE, MAX_TITLE_LENGTH } from "@/lib/documents/title";

/** Creates a document (titled "Untitled" when the field is left empty) and opens it. */
export function NewDocumentButton() {
  const router = useRouter();
  const [title, setTitle] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const doc = await createDoc("", title.trim() || undefined);
      router.push(`/d/${doc.id}`);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "Could not create the document");
      setBusy(false);
    }
  }

  return (
    <form className="new-doc" onSubmit={create}>
      <input
        type="text"
        name="title"
        aria-label="Title of the new document"
        placeholder={DEFAULT_TITLE}
        maxLength={MAX_TITLE_LENGTH}
        value={title}
        onChange={(event) => setTitle(event.target.value)}
        disabled={busy}
      />
      <button type="submit" disabled={busy}>
        {busy ? "Creating…" : "New document"}
      </button>
      {error ? (
        <p className="form-error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}
