"use client";

import { Extension } from "@tiptap/core";
import { Collaboration } from "@tiptap/extension-collaboration";
import { CollaborationCaret } from "@tiptap/extension-collaboration-caret";
import { Placeholder } from "@tiptap/extensions";
import { EditorContent, useEditor } from "@tiptap/react";
import Link from "next/link";
import { type ReactNode, useCallback, useEffect, useState } from "react";
import { createHttpSyncFallback } from "@/lib/collab/http/http-sync-fallback";
import { type Identity, loadIdentity, saveIdentity } from "@/lib/collab/identity";
import { CollabSession } from "@/lib/collab/session";
import { useCollabSession, useSessionSnapshot } from "@/lib/collab/use-collab-session";
import { editorExtensions, YJS_FRAGMENT } from "@/lib/editor-extensions";
import { Refusal } from "@/lib/protocol/refusals";
import { ConnectionStatus } from "./connection-status";
import { IdentityMenu } from "./identity-menu";
import { PresenceBar } from "./presence-bar";
import { TitleField } from "./title-field";
import { promptForLink, Toolbar } from "./toolbar";

export interface DocumentEditorProps {
  docId: string;
  title: string;
  /** Server-rendered HTML of the document, shown until the live editor mounts. */
  initialHtml: string;
  /** The document's encoded Yjs state (base64), applied before connecting so the editor never starts empty. */
  initialState: string;
}

function decodeBase64(value: string): Uint8Array {
  const binary = atob(value);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Caret label and selection tint for another user, from their awareness `user` field. */
function renderCaret(user: Record<string, unknown>): HTMLElement {
  const color = typeof user.color === "string" ? user.color : "#59636e";
  const caret = document.createElement("span");
  caret.className = "collaboration-carets__caret";
  caret.style.borderColor = color;
  const label = document.createElement("div");
  label.className = "collaboration-carets__label";
  label.style.backgroundColor = color;
  label.textContent = typeof user.name === "string" ? user.name : "Anonymous";
  caret.append(label);
  return caret;
}

const LinkShortcut = Extension.create({
  name: "linkShortcut",
  addKeyboardShortcuts() {
    return {
      "Mod-k": () => {
        promptForLink(this.editor);
        return true;
      },
    };
  },
});

const REFUSALS: Record<string, string> = {
  [Refusal.DocumentDeleted]: "This document was deleted. Your copy is read-only.",
};

export function DocumentEditor({ docId, title, initialHtml, initialState }: DocumentEditorProps) {
  const [identity, setIdentity] = useState<Identity | null>(null);
  useEffect(() => setIdentity(loadIdentity()), []);

  const session = useCollabSession(
    () =>
      new CollabSession({
        docId,
        origin: window.location.origin,
        identity: identity ?? loadIdentity(),
        initialState: decodeBase64(initialState),
        initialTitle: title,
        createFallback: (doc, awareness, ignoreOrigin) =>
          createHttpSyncFallback({
            baseUrl: window.location.origin,
            docId,
            doc,
            awareness,
            ignoreOrigin,
          }),
      }),
    docId,
  );
  const snapshot = useSessionSnapshot(session);

  const refused = snapshot?.refusedReason ?? null;

  useEffect(() => {
    if (snapshot?.title) document.title = `${snapshot.title} · Tandem`;
  }, [snapshot?.title]);

  const changeIdentity = useCallback(
    (next: Identity) => {
      saveIdentity(next);
      setIdentity(next);
      session?.setIdentity(next);
    },
    [session],
  );

  return (
    <div className="editor-page">
      <div className="editor-header">
        <Link href="/" className="back-link">
          ← All documents
        </Link>
        <TitleField
          title={snapshot?.title ?? title}
          readOnly={!session || Boolean(refused)}
          onRename={(next) => session?.setTitle(next)}
        />
        <div className="editor-meta">
          <ConnectionStatus snapshot={snapshot} />
          <PresenceBar peers={snapshot?.peers ?? []} />
          {identity ? <IdentityMenu identity={identity} onChange={changeIdentity} /> : null}
        </div>
      </div>
      {refused ? (
        <p className="refused-banner" role="alert">
          {REFUSALS[refused] ?? `The server refused this document (${refused}).`}
        </p>
      ) : null}
      {session && identity ? (
        <LiveEditor
          session={session}
          identity={identity}
          readOnly={Boolean(refused)}
          placeholder={<Prerendered html={initialHtml} />}
        />
      ) : (
        <Prerendered html={initialHtml} />
      )}
    </div>
  );
}

/** The server's HTML of the document, what people see before the live editor exists. */
function Prerendered({ html }: { html: string }) {
  return (
    <>
      <div className="toolbar toolbar-placeholder" aria-hidden="true" />
      <div className="editor-surface">
        <div
          className="document-body prose"
          data-prerendered
          // biome-ignore lint/security/noDangerouslySetInnerHtml: lib/render-html.ts escapes all text and attributes and neutralises unsafe link targets; the HTML comes from our own API.
          dangerouslySetInnerHTML={{ __html: html }}
        />
      </div>
    </>
  );
}

/**
 * The Tiptap editor bound to the session's Y.Doc. A component of its own so
 * the editor is only ever created with a document to bind to: Tiptap builds
 * its schema at creation, and an editor made without the collaboration
 * extensions could not be fixed up later.
 */
function LiveEditor({
  session,
  identity,
  readOnly,
  placeholder,
}: {
  session: CollabSession;
  identity: Identity;
  readOnly: boolean;
  /** Shown until Tiptap has created the editor, so the text never blinks out. */
  placeholder: ReactNode;
}) {
  const editor = useEditor(
    {
      // Rendering during SSR would paint an empty document before the state is applied.
      immediatelyRender: false,
      extensions: [
        ...editorExtensions(),
        Collaboration.configure({ document: session.doc, field: YJS_FRAGMENT }),
        CollaborationCaret.configure({
          // The caret plugin only reads `awareness`; it stays transport-agnostic that way.
          provider: { awareness: session.awareness },
          user: identity,
          render: renderCaret,
        }),
        Placeholder.configure({ placeholder: "Start writing…" }),
        LinkShortcut,
      ],
      editorProps: { attributes: { class: "document-body prose", "aria-label": "Document" } },
    },
    [session],
  );

  useEffect(() => {
    editor?.commands.updateUser(identity);
  }, [editor, identity]);

  useEffect(() => {
    editor?.setEditable(!readOnly);
  }, [editor, readOnly]);

  if (!editor) return placeholder;
  return (
    <div className="live-editor" data-ready>
      <Toolbar editor={editor} disabled={readOnly} />
      <EditorContent editor={editor} className="editor-surface" />
    </div>
  );
}
