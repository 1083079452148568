import { getSchema, type JSONContent, resolveExtensions } from "@tiptap/core";
import { prosemirrorJSONToYXmlFragment } from "@tiptap/y-tiptap";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { editorExtensions, YJS_FRAGMENT } from "@/lib/editor-extensions";
import { renderDocumentHtml, renderDocumentText } from "@/lib/render-html";

const schema = getSchema(editorExtensions());

function docFrom(...content: JSONContent[]): Y.Doc {
  const doc = new Y.Doc();
  prosemirrorJSONToYXmlFragment(schema, { type: "doc", content }, doc.getXmlFragment(YJS_FRAGMENT));
  return doc;
}

function text(value: string, ...marks: JSONContent["marks"] & object): JSONContent {
  return marks.length > 0 ? { type: "text", text: value, marks } : { type: "text", text: value };
}

function paragraph(...content: JSONContent[]): JSONContent {
  return { type: "paragraph", content };
}

function link(href: string): { type: string; attrs: Record<string, unknown> } {
  return { type: "link", attrs: { href } };
}

const LINK_ATTRS = 'target="_blank" rel="noopener noreferrer nofollow"';

describe("editorExtensions", () => {
  it("defines every node and mark of the document model", () => {
    expect(Object.keys(schema.nodes).sort()).toEqual(
      [
        "blockquote",
        "bulletList",
        "codeBlock",
        "doc",
        "hardBreak",
        "heading",
        "horizontalRule",
        "listItem",
        "orderedList",
        "paragraph",
        "table",
        "tableCell",
        "tableHeader",
        "tableRow",
        "taskItem",
        "taskList",
        "text",
      ].sort(),
    );
    expect(Object.keys(schema.marks).sort()).toEqual(
      ["bold", "code", "italic", "link", "strike", "underline"].sort(),
    );
  });

  it("leaves undo to Yjs and does not follow links on click", () => {
    const resolved = resolveExtensions(editorExtensions());
    const names = resolved.map((extension) => extension.name);
    expect(names).not.toContain("undoRedo");
    expect(names).toContain("trailingNode");
    const linkExtension = resolved.find((extension) => extension.name === "link");
    expect(linkExtension?.options).toMatchObject({ openOnClick: false });
    const taskItem = resolved.find((extension) => extension.name === "taskItem");
    expect(taskItem?.options).toMatchObject({ nested: true });
  });

  it("returns a fresh array each call", () => {
    expect(editorExtensions()).not.toBe(editorExtensions());
  });
});

describe("renderDocumentHtml", () => {
  it("renders paragraphs and headings 1-3", () => {
    const html = renderDocumentHtml(
      docFrom(
        { type: "heading", attrs: { level: 1 }, content: [text("One")] },
        { type: "heading", attrs: { level: 2 }, content: [text("Two")] },
        { type: "heading", attrs: { level: 3 }, content: [text("Three")] },
        paragraph(text("Body")),
      ),
    );
    expect(html).toBe("<h1>One</h1><h2>Two</h2><h3>Three</h3><p>Body</p>");
  });

  it("renders each mark with the editor's tag", () => {
    const html = renderDocumentHtml(
      docFrom(
        paragraph(
          text("b", { type: "bold" }),
          text("i", { type: "italic" }),
          text("u", { type: "underline" }),
          text("s", { type: "strike" }),
          text("c", { type: "code" }),
          text("l", link("https://example.com/")),
        ),
      ),
    );
    expect(html).toBe(
      "<p><strong>b</strong><em>i</em><u>u</u><s>s</s><code>c</code>" +
        `<a ${LINK_ATTRS} href="https://example.com/">l</a></p>`,
    );
  });

  it("nests marks like the editor: outermost first, kept open across text nodes", () => {
    const html = renderDocumentHtml(
      docFrom(
        paragraph(
          text("plain ", link("https://example.com/")),
          text("bold", link("https://example.com/"), { type: "bold" }),
          text(" both", link("https://example.com/"), { type: "bold" }, { type: "italic" }),
        ),
      ),
    );
    expect(html).toBe(
      `<p><a ${LINK_ATTRS} href="https://example.com/">plain ` +
        "<strong>bold<em> both</em></strong></a></p>",
    );
  });

  it("renders lists, nested task items, blockquote, code block, rule and hard break", () => {
    const html = renderDocumentHtml(
      docFrom(
        { type: "bulletList", content: [{ type: "listItem", content: [paragraph(text("b"))] }] },
        {
          type: "orderedList",
          attrs: { start: 3 },
          content: [{ type: "listItem", content: [paragraph(text("o"))] }],
        },
        {
          type: "taskList",
          content: [
            {
              type: "taskItem",
              attrs: { checked: true },
              content: [
                paragraph(text("done")),
                {
                  type: "taskList",
                  content: [{ type: "taskItem", content: [paragraph(text("nested"))] }],
                },
              ],
            },
          ],
        },
        { type: "blockquote", content: [paragraph(text("quoted"))] },
        { type: "codeBlock", attrs: { language: "ts" }, content: [text("let a = 1;")] },
        { type: "horizontalRule" },
        paragraph(text("line"), { type: "hardBreak" }, text("next")),
      ),
    );
    expect(html).toContain("<ul><li><p>b</p></li></ul>");
    expect(html).toContain('<ol start="3"><li><p>o</p></li></ol>');
    expect(html).toContain(
      '<ul data-type="taskList"><li data-checked="true" data-type="taskItem">' +
        '<label><input type="checkbox" checked="checked"/><span/></label><div><p>done</p>' +
        '<ul data-type="taskList"><li data-checked="false" data-type="taskItem">' +
        '<label><input type="checkbox"/><span/></label><div><p>nested</p></div></li></ul>' +
        "</div></li></ul>",
    );
    expect(html).toContain("<blockquote><p>quoted</p></blockquote>");
    expect(html).toContain('<pre><code class="language-ts">let a = 1;</code></pre>');
    expect(html).toContain("<hr/>");
    expect(html).toContain("<p>line<br/>next</p>");
  });

  it("renders tables with header and body cells", () => {
    const cell = (type: string, value: string): JSONContent => ({
      type,
      content: [paragraph(text(value))],
    });
    const html = renderDocumentHtml(
      docFrom({
        type: "table",
        content: [
          { type: "tableRow", content: [cell("tableHeader", "Name"), cell("tableHeader", "Age")] },
          { type: "tableRow", content: [cell("tableCell", "Ada"), cell("tableCell", "36")] },
        ],
      }),
    );
    expect(html).toMatch(/^<table[^>]*><colgroup>.*<\/colgroup><tbody>/);
    expect(html).toContain(
      '<tr><th colspan="1" rowspan="1"><p>Name</p></th><th colspan="1" rowspan="1"><p>Age</p></th></tr>',
    );
    expect(html).toContain(
      '<tr><td colspan="1" rowspan="1"><p>Ada</p></td><td colspan="1" rowspan="1"><p>36</p></td></tr>',
    );
    expect(html).toMatch(/<\/tbody><\/table>$/);
  });

  it("escapes text", () => {
    const html = renderDocumentHtml(
      docFrom(paragraph(text("<script>alert(1)</script> & more")), {
        type: "codeBlock",
        content: [text("</code><img src=x onerror=alert(1)>")],
      }),
    );
    expect(html).toBe(
      "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; more</p>" +
        "<pre><code>&lt;/code&gt;&lt;img src=x onerror=alert(1)&gt;</code></pre>",
    );
  });

  it("escapes attribute values", () => {
    const html = renderDocumentHtml(
      docFrom(
        paragraph(text("x", link('https://example.com/?q="><script>alert(1)</script>&a=1'))),
        {
          type: "codeBlock",
          attrs: { language: '"><img src=x onerror=alert(1)>' },
          content: [text("y")],
        },
      ),
    );
    expect(html).toContain(
      'href="https://example.com/?q=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;a=1"',
    );
    expect(html).toContain('class="language-&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
  });

  it("neutralises javascript: links, however they are spelled", () => {
    for (const href of [
      "javascript:alert(1)",
      "JaVaScRiPt:alert(1)",
      " \tjavascript:alert(1)",
      "\u0001javascript:alert(1)",
      "java\nscript:alert(1)",
    ]) {
      const html = renderDocumentHtml(docFrom(paragraph(text("click", link(href)))));
      expect(html, JSON.stringify(href)).toBe(`<p><a ${LINK_ATTRS} href="">click</a></p>`);
    }
  });

  it("renders an empty document as one empty paragraph", () => {
    expect(renderDocumentHtml(new Y.Doc())).toBe("<p></p>");
    expect(renderDocumentHtml(docFrom())).toBe("<p></p>");
  });

  it("drops elements outside the schema, keeps the rest and leaves the document untouched", () => {
    const doc = new Y.Doc();
    const fragment = doc.getXmlFragment(YJS_FRAGMENT);
    const widget = new Y.XmlElement("fancyWidget");
    widget.insert(0, [new Y.XmlText("foreign")]);
    const kept = new Y.XmlElement("paragraph");
    kept.insert(0, [new Y.XmlText("kept <b>")]);
    fragment.insert(0, [widget, kept, new Y.XmlText("bare top-level text")]);
    const before = Y.encodeStateAsUpdate(doc);
    const errors: unknown[] = [];

    const html = renderDocumentHtml(doc, { onError: (error) => errors.push(error) });

    expect(html).toBe("<p>kept &lt;b&gt;</p>");
    expect(errors).toEqual([]);
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
    expect(fragment.length).toBe(3);
  });

  it("falls back to escaped text when the content cannot be rendered", () => {
    const doc = new Y.Doc();
    const fragment = doc.getXmlFragment(YJS_FRAGMENT);
    const heading = new Y.XmlElement("heading");
    heading.setAttribute("level", "2");
    heading.insert(0, [new Y.XmlText("Title")]);
    const brokenText = new Y.XmlText();
    const broken = new Y.XmlElement("paragraph");
    broken.insert(0, [brokenText]);
    fragment.insert(0, [heading, broken]);
    // A link whose href is not a string makes the Link extension's renderHTML throw.
    brokenText.insert(0, "<i>odd</i> link", { link: { href: 42 } });
    const errors: unknown[] = [];

    const html = renderDocumentHtml(doc, { onError: (error) => errors.push(error) });

    expect(errors).toHaveLength(1);
    expect(html).toBe("<p>Title</p><p>&lt;i&gt;odd&lt;/i&gt; link</p>");
    expect(renderDocumentText(doc)).toBe("Title\n<i>odd</i> link");
  });

  it("contains every word of the input after a JSON -> Yjs -> HTML round trip", () => {
    const words = Array.from({ length: 60 }, (_, index) => `word${index}`);
    const chunk = (start: number) => words.slice(start, start + 6).join(" ");
    const html = renderDocumentHtml(
      docFrom(
        { type: "heading", attrs: { level: 2 }, content: [text(chunk(0))] },
        paragraph(text(chunk(6), { type: "bold" }), text(` ${chunk(12)}`, { type: "italic" })),
        {
          type: "bulletList",
          content: [{ type: "listItem", content: [paragraph(text(chunk(18)))] }],
        },
        { type: "blockquote", content: [paragraph(text(chunk(24), link("https://a.example/")))] },
        { type: "codeBlock", content: [text(chunk(30))] },
        {
          type: "table",
          content: [
            {
              type: "tableRow",
              content: [{ type: "tableCell", content: [paragraph(text(chunk(36)))] }],
            },
          ],
        },
        {
          type: "taskList",
          content: [{ type: "taskItem", content: [paragraph(text(chunk(42)))] }],
        },
        paragraph(text(chunk(48)), { type: "hardBreak" }, text(chunk(54), { type: "code" })),
      ),
    );
    const rendered = new Set(html.replace(/<[^>]*>/g, " ").split(/\s+/));
    for (const word of words) expect(rendered, word).toContain(word);
  });
});

describe("renderDocumentText", () => {
  it("returns one line per text block with hard breaks as newlines", () => {
    const doc = docFrom(
      { type: "heading", attrs: { level: 1 }, content: [text("Title")] },
      paragraph(
        text("Hello "),
        text("world", { type: "bold" }),
        { type: "hardBreak" },
        text("again"),
      ),
      {
        type: "bulletList",
        content: [
          { type: "listItem", content: [paragraph(text("one"))] },
          { type: "listItem", content: [paragraph(text("two"))] },
        ],
      },
      { type: "horizontalRule" },
      { type: "codeBlock", content: [text("a < b")] },
    );
    expect(renderDocumentText(doc)).toBe("Title\nHello world\nagain\none\ntwo\na < b");
  });

  it("returns an empty string for an empty document", () => {
    expect(renderDocumentText(new Y.Doc())).toBe("");
  });
});
