import type { Extensions } from "@tiptap/core";
import { TaskItem, TaskList } from "@tiptap/extension-list";
import { Table, TableCell, TableHeader, TableRow } from "@tiptap/extension-table";
import { StarterKit } from "@tiptap/starter-kit";

/**
 * Name of the Y.XmlFragment holding the document body. It is Tiptap
 * Collaboration's default `field`, so any stock Tiptap/y-prosemirror client
 * reads and writes the same content without Tandem-specific configuration.
 */
export const YJS_FRAGMENT = "default";

/** Name of the Y.Map holding document metadata (title, ...), synced live beside the body. */
export const YJS_META_MAP = "meta";

/**
 * The Tiptap extensions that define Tandem's document schema.
 *
 * This is the single source of the schema: the browser editor adds only
 * runtime-bound extensions on top (Collaboration, CollaborationCaret), and the
 * server renders HTML from exactly this list, so both agree on node and mark
 * names and on markup. Changing a name here changes the stored Yjs format.
 *
 * Returns a fresh array each call because Tiptap extensions hold per-editor
 * state once configured into an editor; sharing instances between the
 * browser editor and a renderer (or two editors) would leak that state.
 *
 * Safe to import in Node: every extension here touches the DOM only from
 * plugins and node views, which run inside a live editor view.
 */
export function editorExtensions(): Extensions {
  return [
    StarterKit.configure({
      // Yjs collaboration supplies its own undo manager scoped to the local
      // user's changes; ProseMirror's history would undo other people's edits.
      undoRedo: false,
      heading: { levels: [1, 2, 3] },
      // Following a link on click makes links impossible to edit in place.
      link: { openOnClick: false },
    }),
    TaskList,
    TaskItem.configure({ nested: true }),
    Table,
    TableRow,
    TableHeader,
    TableCell,
  ];
}
