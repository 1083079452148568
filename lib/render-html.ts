import {
  type Extensions,
  getAttributesFromExtensions,
  getSchema,
  getText,
  getTextSerializersFromSchema,
  resolveExtensions,
  splitExtensions,
  type TextSerializer,
} from "@tiptap/core";
import type { Mark, Node as ProseMirrorNode, Schema } from "@tiptap/pm/model";
import {
  domOutputSpecToHTMLString,
  mapMarkExtensionToReactNode,
  mapNodeExtensionToReactNode,
  renderToHTMLString,
  serializeChildrenToHTMLString,
} from "@tiptap/static-renderer/pm/html-string";
import { yXmlFragmentToProseMirrorRootNode } from "@tiptap/y-tiptap";
import * as Y from "yjs";
import { editorExtensions, YJS_FRAGMENT } from "./editor-extensions";

/** Options shared by the renderers. */
export interface RenderOptions {
  /**
   * Called when the document could not be rendered through the schema and the
   * plain-text fallback was used instead. Libraries here do not log, so the
   * caller (the HTTP handler) decides how to record it.
   */
  onError?: (error: unknown) => void;
}

type HtmlRenderOptions = NonNullable<Parameters<typeof renderToHTMLString>[0]["options"]>;
type NodeRenderer = NonNullable<HtmlRenderOptions["nodeMapping"]>[string];
type MarkRenderer = NonNullable<HtmlRenderOptions["markMapping"]>[string];
type RenderElement = Parameters<NodeRenderer>[0]["renderElement"];

interface Renderer {
  extensions: Extensions;
  schema: Schema;
  textSerializers: Record<string, TextSerializer>;
  options: HtmlRenderOptions;
}

let cachedRenderer: Renderer | undefined;

/**
 * Renders the document body as the HTML the Tiptap editor shows for it
 * (`editor.getHTML()`), without a DOM, so the server can paint a document
 * before the browser's editor and socket are up.
 *
 * Never throws: content that does not fit the schema (written by a foreign
 * Yjs client) is dropped the way the editor binding drops it, and if the
 * conversion fails outright the text is rendered as escaped paragraphs.
 * The passed document is never modified.
 */
export function renderDocumentHtml(doc: Y.Doc, options: RenderOptions = {}): string {
  try {
    const renderer = getRenderer();
    return renderToHTMLString({
      content: toProseMirrorDoc(doc, renderer.schema),
      extensions: renderer.extensions,
      options: renderer.options,
    });
  } catch (error) {
    options.onError?.(error);
    const lines = fallbackLines(doc);
    if (lines.length === 0) return "<p></p>";
    return lines.map((line) => `<p>${escapeHtml(line)}</p>`).join("");
  }
}

/**
 * The document body as plain text, one line per text block (paragraph,
 * heading, list item paragraph, table cell...), hard breaks as "\n". Unlike
 * `editor.getText()`, wrapper blocks such as lists add no blank lines, which
 * keeps previews compact. Never throws (see {@link renderDocumentHtml}).
 */
export function renderDocumentText(doc: Y.Doc, options: RenderOptions = {}): string {
  try {
    const renderer = getRenderer();
    const lines: string[] = [];
    toProseMirrorDoc(doc, renderer.schema).descendants((node) => {
      if (!node.isTextblock) return true;
      lines.push(getText(node, { textSerializers: renderer.textSerializers }));
      return false;
    });
    return lines.join("\n");
  } catch (error) {
    options.onError?.(error);
    return fallbackLines(doc).join("\n");
  }
}

function getRenderer(): Renderer {
  if (cachedRenderer) return cachedRenderer;
  const extensions = editorExtensions();
  const schema = getSchema(extensions);
  cachedRenderer = {
    extensions,
    schema,
    textSerializers: getTextSerializersFromSchema(schema),
    options: editorParityOptions(extensions, schema),
  };
  return cachedRenderer;
}

/**
 * The static renderer wraps every text node in its own marks, innermost mark
 * first, so `<a><strong>x</strong></a>` would come out as
 * `<strong><a>x</a></strong>` and a link spanning bold and plain words as
 * several links. The editor's DOMSerializer nests marks outermost-first and
 * keeps a mark open across adjacent text nodes. To emit the same markup,
 * marks pass through untouched and every node with inline content applies
 * them itself with the DOMSerializer's algorithm.
 */
function editorParityOptions(extensions: Extensions, schema: Schema): HtmlRenderOptions {
  const resolved = resolveExtensions(extensions);
  const attributes = getAttributesFromExtensions(resolved);
  const { nodeExtensions, markExtensions } = splitExtensions(resolved);

  const markRenderers = new Map<string, MarkRenderer>();
  const markMapping: Record<string, MarkRenderer> = {};
  for (const extension of markExtensions) {
    const [name, render] = mapMarkExtensionToReactNode(
      domOutputSpecToHTMLString,
      extension,
      attributes,
    );
    markRenderers.set(name, render);
    markMapping[name] = ({ children }) => serializeChildrenToHTMLString(children);
  }

  const nodeMapping: Record<string, NodeRenderer> = {};
  for (const extension of nodeExtensions) {
    if (!schema.nodes[extension.name]?.inlineContent) continue;
    const [name, render] = mapNodeExtensionToReactNode(
      domOutputSpecToHTMLString,
      extension,
      attributes,
    );
    nodeMapping[name] = ({ node, parent, renderElement }) =>
      render({
        node,
        parent,
        renderElement,
        children: serializeInline(node, renderElement, markRenderers),
      });
  }
  return { nodeMapping, markMapping };
}

interface OpenMark {
  mark: Mark;
  node: ProseMirrorNode;
  parts: string[];
}

/** DOMSerializer.serializeFragment's mark handling, producing strings. */
function serializeInline(
  parent: ProseMirrorNode,
  renderElement: RenderElement,
  markRenderers: ReadonlyMap<string, MarkRenderer>,
): string {
  const root: string[] = [];
  const open: OpenMark[] = [];
  const current = () => open.at(-1)?.parts ?? root;
  const closeInnermost = () => {
    const closed = open.pop();
    if (!closed) return;
    const render = markRenderers.get(closed.mark.type.name);
    current().push(
      render
        ? render({ mark: closed.mark, node: closed.node, children: closed.parts })
        : closed.parts.join(""),
    );
  };

  parent.forEach((child) => {
    let keep = 0;
    while (keep < open.length && keep < child.marks.length) {
      const mark = child.marks[keep];
      const active = open[keep];
      if (!mark || !active || !mark.eq(active.mark) || mark.type.spec.spanning === false) break;
      keep++;
    }
    while (open.length > keep) closeInnermost();
    for (const mark of child.marks.slice(keep)) open.push({ mark, node: child, parts: [] });
    current().push(serializeChildrenToHTMLString(renderElement({ content: child, parent })));
  });
  while (open.length > 0) closeInnermost();
  return root.join("");
}

/**
 * Converts a copy of the document, because y-tiptap's conversion is written
 * for the live editor binding: it deletes elements it cannot map to the
 * schema from the Y.Doc it reads. Run on the server's live document, that
 * would delete a foreign client's content for every connected client.
 */
function toProseMirrorDoc(doc: Y.Doc, schema: Schema): ProseMirrorNode {
  const fragment = readOnlyCopy(doc);
  // y-tiptap assumes the fragment's top level holds only elements and throws
  // on bare text, which only a foreign client would write; drop it like any
  // other content outside the schema.
  fragment.doc?.transact(() => {
    for (let index = fragment.length - 1; index >= 0; index--) {
      if (!(fragment.get(index) instanceof Y.XmlElement)) fragment.delete(index, 1);
    }
  });
  const root = yXmlFragmentToProseMirrorRootNode(fragment, schema);
  // An empty fragment is what a new document holds; the editor shows it as
  // one empty paragraph, the smallest content the schema allows.
  return root.childCount > 0 ? root : (schema.topNodeType.createAndFill() ?? root);
}

function readOnlyCopy(doc: Y.Doc): Y.XmlFragment {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy.getXmlFragment(YJS_FRAGMENT);
}

/**
 * Plain text of the fragment, one line per element that directly holds text.
 * It walks the Y types instead of parsing `fragment.toString()`, whose XML
 * does not escape the text: stripping its tags would also strip any text
 * that looks like a tag.
 */
function fallbackLines(doc: Y.Doc): string[] {
  const lines: string[] = [];
  const walk = (type: Y.XmlFragment | Y.XmlElement) => {
    let line: string | undefined;
    for (const child of type.toArray()) {
      if (child instanceof Y.XmlText) {
        line = (line ?? "") + textOf(child);
      } else if (child instanceof Y.XmlElement) {
        if (line !== undefined) lines.push(line);
        line = undefined;
        walk(child);
      }
    }
    if (line !== undefined) lines.push(line);
  };
  try {
    walk(readOnlyCopy(doc));
  } catch {
    // Reached only when the update itself cannot be read; the caller has
    // already been told about the first failure through onError.
  }
  return lines;
}

function textOf(text: Y.XmlText): string {
  const delta: unknown = text.toDelta();
  if (!Array.isArray(delta)) return "";
  return delta
    .map((op: { insert?: unknown }) => (typeof op.insert === "string" ? op.insert : ""))
    .join("");
}

function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}
