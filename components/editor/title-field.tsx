"use client";

import { useEffect, useRef, useState } from "react";
import { MAX_TITLE_LENGTH } from "@/lib/documents/title";

/**
 * The document title, edited in place. While you type, your draft wins over
 * incoming renames; it is shared as you pause and when you leave the field.
 */
export function TitleField({
  title,
  onRename,
  readOnly,
}: {
  title: string;
  onRename: (title: string) => void;
  readOnly?: boolean;
}) {
  const [draft, setDraft] = useState<string | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // Escape blurs the field; the blur handler must then drop the draft, not share it.
  const cancelled = useRef(false);

  useEffect(() => () => clearTimeout(timer.current), []);

  function commit(value: string) {
    clearTimeout(timer.current);
    onRename(value);
  }

  return (
    <input
      className="title-field"
      aria-label="Document title"
      value={draft ?? title}
      maxLength={MAX_TITLE_LENGTH}
      readOnly={readOnly}
      onFocus={() => setDraft(title)}
      onChange={(event) => {
        const value = event.target.value;
        setDraft(value);
        clearTimeout(timer.current);
        if (value.trim()) timer.current = setTimeout(() => onRename(value), 400);
      }}
      onBlur={() => {
        if (draft !== null && !cancelled.current) commit(draft);
        cancelled.current = false;
        setDraft(null);
      }}
      onKeyDown={(event) => {
        if (event.key === "Enter") event.currentTarget.blur();
        if (event.key === "Escape") {
          clearTimeout(timer.current);
          cancelled.current = true;
          event.currentTarget.blur();
        }
      }}
    />
  );
}
