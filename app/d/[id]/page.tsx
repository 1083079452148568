import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { DocumentEditor } from "@/components/editor/document-editor";
import { getDoc, getDocHtml, getDocState } from "@/lib/api-client";
import { isValidDocId } from "@/lib/doc-id";
import { serverOrigin } from "@/lib/server-origin";

export const dynamic = "force-dynamic";

interface PageProps {
  params: Promise<{ id: string }>;
}

export async function generateMetadata({ params }: PageProps): Promise<Metadata> {
  const { id } = await params;
  const doc = isValidDocId(id) ? await getDoc(serverOrigin(), id) : null;
  return { title: doc?.title ?? "Not found" };
}

/**
 * The editor page. The document's HTML and Yjs state come from the snapshot
 * API on the server, so the text is in the page before any JavaScript runs
 * and the live editor starts from the same content instead of an empty one.
 */
export default async function DocumentPage({ params }: PageProps) {
  const { id } = await params;
  if (!isValidDocId(id)) notFound();
  const origin = serverOrigin();
  const [doc, html, state] = await Promise.all([
    getDoc(origin, id),
    getDocHtml(origin, id),
    getDocState(origin, id),
  ]);
  if (!doc || html === null || state === null) notFound();
  return (
    <DocumentEditor
      docId={doc.id}
      title={doc.title}
      initialHtml={html}
      initialState={Buffer.from(state).toString("base64")}
    />
  );
}
