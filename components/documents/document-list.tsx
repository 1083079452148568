"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";
import { type DocSummary, deleteDoc, renameDoc } from "@/lib/api-client";
import { MAX_TITLE_LENGTH } from "@/lib/documents/title";
import { formatBytes, formatTimestamp } from "@/lib/format";

/** The document table with rename in place and delete (after confirmation). */
export function DocumentList({ docs }: { docs: DocSummary[] }) {
  if (docs.length === 0) {
    return <p className="empty">No documents yet. Create one to start writing.</p>;
  }
  return (
    <table className="doc-table">
      <thead>
        <tr>
          <th>Title</th>
          <th>Last edited (UTC)</th>
          <th>Size</th>
          <th>
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {docs.map((doc) => (
          <DocumentRow key={doc.id} doc={doc} />
        ))}
      </tbody>
    </table>
  );
}

function DocumentRow({ doc }: { doc: DocSummary }) {
  const router = useRouter();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(doc.title);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run(action: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await action();
      setEditing(false);
      router.refresh();
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "Something went wrong");
    } finally {
      setBusy(false);
    }
  }

  function rename(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const title = draft.trim();
    if (!title || title === doc.title) {
      setEditing(false);
      return;
    }
    void run(() => renameDoc("", doc.id, title));
  }

  function remove() {
    if (!window.confirm(`Delete “${doc.title}” for everyone? This cannot be undone.`)) return;
    void run(() => deleteDoc("", doc.id));
  }

  return (
    <tr data-doc-id={doc.id}>
      <td>
        {editing ? (
          <form className="rename-form" onSubmit={rename}>
            <input
              type="text"
              aria-label={`New title for ${doc.title}`}
              value={draft}
              maxLength={MAX_TITLE_LENGTH}
              disabled={busy}
              // biome-ignore lint/a11y/noAutofocus: the field appears because the user asked to rename.
              autoFocus
              onChange={(event) => setDraft(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === "Escape") setEditing(false);
              }}
            />
            <button type="submit" disabled={busy}>
              Save
            </button>
          </form>
        ) : (
          <Link href={`/d/${doc.id}`}>{doc.title}</Link>
        )}
        {error ? (
          <p className="form-error" role="alert">
            {error}
          </p>
        ) : null}
      </td>
      <td>{formatTimestamp(doc.updatedAt)}</td>
      <td>{formatBytes(doc.sizeBytes)}</td>
      <td className="row-actions">
        {editing ? (
          <button type="button" className="secondary" onClick={() => setEditing(false)}>
            Cancel
          </button>
        ) : (
          <button
            type="button"
            className="secondary"
            aria-label={`Rename ${doc.title}`}
            disabled={busy}
            onClick={() => {
              setDraft(doc.title);
              setEditing(true);
            }}
          >
            Rename
          </button>
        )}
        <button
          type="button"
          className="danger"
          aria-label={`Delete ${doc.title}`}
          disabled={busy}
          onClick={remove}
        >
          Delete
        </button>
      </td>
    </tr>
  );
}
