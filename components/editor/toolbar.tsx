"use client";

import type { Editor } from "@tiptap/react";
import { useEditorState } from "@tiptap/react";
import type { ReactNode } from "react";

/** Asks for a link target; an empty answer removes the link. Shared with the Mod-k shortcut. */
export function promptForLink(editor: Editor): void {
  const previous = (editor.getAttributes("link").href as string | undefined) ?? "";
  const answer = window.prompt("Link address (leave empty to remove the link)", previous);
  if (answer === null) return;
  const href = answer.trim();
  const chain = editor.chain().focus().extendMarkRange("link");
  if (!href) {
    chain.unsetLink().run();
    return;
  }
  // A bare domain is almost always meant as a web address, not a relative path.
  const absolute =
    /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith("/") ? href : `https://${href}`;
  chain.setLink({ href: absolute }).run();
}

function ToolButton({
  label,
  shortcut,
  active,
  disabled,
  onClick,
  children,
}: {
  label: string;
  shortcut?: string;
  active?: boolean;
  disabled?: boolean;
  onClick: () => void;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      className="tool"
      aria-label={label}
      aria-pressed={active === undefined ? undefined : active}
      title={shortcut ? `${label} (${shortcut})` : label}
      disabled={disabled}
      // Keep the editor's selection: a button that takes focus would collapse it.
      onMouseDown={(event) => event.preventDefault()}
      onClick={onClick}
    >
      {children}
    </button>
  );
}

const MOD =
  typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform) ? "⌘" : "Ctrl";

/** Formatting controls; each mirrors a keyboard shortcut from the editor's extensions. */
export function Toolbar({ editor, disabled }: { editor: Editor; disabled?: boolean }) {
  const state = useEditorState({
    editor,
    selector: ({ editor: e }) => ({
      paragraph: e.isActive("paragraph"),
      h1: e.isActive("heading", { level: 1 }),
      h2: e.isActive("heading", { level: 2 }),
      h3: e.isActive("heading", { level: 3 }),
      bold: e.isActive("bold"),
      italic: e.isActive("italic"),
      underline: e.isActive("underline"),
      strike: e.isActive("strike"),
      code: e.isActive("code"),
      link: e.isActive("link"),
      bulletList: e.isActive("bulletList"),
      orderedList: e.isActive("orderedList"),
      taskList: e.isActive("taskList"),
      blockquote: e.isActive("blockquote"),
      codeBlock: e.isActive("codeBlock"),
      table: e.isActive("table"),
      canUndo: e.can().undo(),
      canRedo: e.can().redo(),
    }),
  });
  const chain = () => editor.chain().focus();
  const off = disabled || !editor.isEditable;

  return (
    <div className="toolbar" role="toolbar" aria-label="Formatting">
      <div className="tool-group">
        <ToolButton
          label="Undo"
          shortcut={`${MOD}+Z`}
          disabled={off || !state.canUndo}
          onClick={() => chain().undo().run()}
        >
          ↶
        </ToolButton>
        <ToolButton
          label="Redo"
          shortcut={`${MOD}+Shift+Z`}
          disabled={off || !state.canRedo}
          onClick={() => chain().redo().run()}
        >
          ↷
        </ToolButton>
      </div>
      <div className="tool-group">
        <ToolButton
          label="Paragraph"
          shortcut={`${MOD}+Alt+0`}
          active={state.paragraph}
          disabled={off}
          onClick={() => chain().setParagraph().run()}
        >
          ¶
        </ToolButton>
        <ToolButton
          label="Heading 1"
          shortcut={`${MOD}+Alt+1`}
          active={state.h1}
          disabled={off}
          onClick={() => chain().toggleHeading({ level: 1 }).run()}
        >
          H1
        </ToolButton>
        <ToolButton
          label="Heading 2"
          shortcut={`${MOD}+Alt+2`}
          active={state.h2}
          disabled={off}
          onClick={() => chain().toggleHeading({ level: 2 }).run()}
        >
          H2
        </ToolButton>
        <ToolButton
          label="Heading 3"
          shortcut={`${MOD}+Alt+3`}
          active={state.h3}
          disabled={off}
          onClick={() => chain().toggleHeading({ level: 3 }).run()}
        >
          H3
        </ToolButton>
      </div>
      <div className="tool-group">
        <ToolButton
          label="Bold"
          shortcut={`${MOD}+B`}
          active={state.bold}
          disabled={off}
          onClick={() => chain().toggleBold().run()}
        >
          <b>B</b>
        </ToolButton>
        <ToolButton
          label="Italic"
          shortcut={`${MOD}+I`}
          active={state.italic}
          disabled={off}
          onClick={() => chain().toggleItalic().run()}
        >
          <i>I</i>
        </ToolButton>
        <ToolButton
          label="Underline"
          shortcut={`${MOD}+U`}
          active={state.underline}
          disabled={off}
          onClick={() => chain().toggleUnderline().run()}
        >
          <u>U</u>
        </ToolButton>
        <ToolButton
          label="Strikethrough"
          shortcut={`${MOD}+Shift+S`}
          active={state.strike}
          disabled={off}
          onClick={() => chain().toggleStrike().run()}
        >
          <s>S</s>
        </ToolButton>
        <ToolButton
          label="Inline code"
          shortcut={`${MOD}+E`}
          active={state.code}
          disabled={off}
          onClick={() => chain().toggleCode().run()}
        >
          {"</>"}
        </ToolButton>
        <ToolButton
          label="Link"
          shortcut={`${MOD}+K`}
          active={state.link}
          disabled={off}
          onClick={() => promptForLink(editor)}
        >
          Link
        </ToolButton>
      </div>
      <div className="tool-group">
        <ToolButton
          label="Bullet list"
          shortcut={`${MOD}+Shift+8`}
          active={state.bulletList}
          disabled={off}
          onClick={() => chain().toggleBulletList().run()}
        >
          •
        </ToolButton>
        <ToolButton
          label="Numbered list"
          shortcut={`${MOD}+Shift+7`}
          active={state.orderedList}
          disabled={off}
          onClick={() => chain().toggleOrderedList().run()}
        >
          1.
        </ToolButton>
        <ToolButton
          label="Task list"
          shortcut={`${MOD}+Shift+9`}
          active={state.taskList}
          disabled={off}
          onClick={() => chain().toggleTaskList().run()}
        >
          ☑
        </ToolButton>
        <ToolButton
          label="Quote"
          shortcut={`${MOD}+Shift+B`}
          active={state.blockquote}
          disabled={off}
          onClick={() => chain().toggleBlockquote().run()}
        >
          ❝
        </ToolButton>
        <ToolButton
          label="Code block"
          shortcut={`${MOD}+Alt+C`}
          active={state.codeBlock}
          disabled={off}
          onClick={() => chain().toggleCodeBlock().run()}
        >
          {"{ }"}
        </ToolButton>
        <ToolButton
          label="Divider"
          disabled={off}
          onClick={() => chain().setHorizontalRule().run()}
        >
          ―
        </ToolButton>
      </div>
      <div className="tool-group">
        {state.table ? (
          <>
            <ToolButton
              label="Add row below"
              disabled={off}
              onClick={() => chain().addRowAfter().run()}
            >
              +Row
            </ToolButton>
            <ToolButton
              label="Add column right"
              disabled={off}
              onClick={() => chain().addColumnAfter().run()}
            >
              +Col
            </ToolButton>
            <ToolButton label="Delete row" disabled={off} onClick={() => chain().deleteRow().run()}>
              −Row
            </ToolButton>
            <ToolButton
              label="Delete column"
              disabled={off}
              onClick={() => chain().deleteColumn().run()}
            >
              −Col
            </ToolButton>
            <ToolButton
              label="Delete table"
              disabled={off}
              onClick={() => chain().deleteTable().run()}
            >
              ✕Table
            </ToolButton>
          </>
        ) : (
          <ToolButton
            label="Insert table"
            disabled={off}
            onClick={() => chain().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run()}
          >
            ▦
          </ToolButton>
        )}
      </div>
    </div>
  );
}
