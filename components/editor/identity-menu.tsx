"use client";

import { type FormEvent, useState } from "react";
import {
  CARET_COLORS,
  type Identity,
  MAX_NAME_LENGTH,
  normaliseIdentity,
} from "@/lib/collab/identity";

/** Shows who you are to others and lets you change your name and caret colour. */
export function IdentityMenu({
  identity,
  onChange,
}: {
  identity: Identity;
  onChange: (identity: Identity) => void;
}) {
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState(identity);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    onChange(normaliseIdentity(draft, identity));
    setOpen(false);
  }

  return (
    <div className="identity-menu">
      <button
        type="button"
        className="identity-button"
        aria-expanded={open}
        onClick={() => {
          setDraft(identity);
          setOpen(!open);
        }}
      >
        <span
          className="identity-swatch"
          style={{ backgroundColor: identity.color }}
          aria-hidden="true"
        />
        {identity.name}
      </button>
      {open ? (
        <form
          className="identity-form"
          onSubmit={submit}
          aria-label="Your name and colour"
          onKeyDown={(event) => {
            if (event.key === "Escape") setOpen(false);
          }}
        >
          <label>
            Your name
            <input
              type="text"
              name="name"
              value={draft.name}
              maxLength={MAX_NAME_LENGTH}
              onChange={(event) => setDraft({ ...draft, name: event.target.value })}
            />
          </label>
          <fieldset className="color-choices">
            <legend>Caret colour</legend>
            {CARET_COLORS.map((color) => (
              <label key={color} className="color-choice" style={{ backgroundColor: color }}>
                <input
                  type="radio"
                  name="color"
                  value={color}
                  checked={draft.color === color}
                  onChange={() => setDraft({ ...draft, color })}
                />
                <span className="visually-hidden">{color}</span>
              </label>
            ))}
          </fieldset>
          <div className="identity-actions">
            <button type="submit">Save</button>
            <button type="button" className="secondary" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}
