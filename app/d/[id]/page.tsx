import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { getDoc, getDocHtml } from "@/lib/api-client";
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

export default async function DocumentPage({ params }: PageProps) {
  const { id } = await params;
  if (!isValidDocId(id)) notFound();
  const origin = serverOrigin();
  const [doc, html] = await Promise.all([getDoc(origin, id), getDocHtml(origin, id)]);
  if (!doc || html === null) notFound();
  return (
    <article className="document">
      <h1 className="document-title">{doc.title}</h1>
      {/* biome-ignore lint/security/noDangerouslySetInnerHtml: lib/render-html.ts escapes all text and attributes and neutralises unsafe link targets; the HTML comes from our own API. */}
      <div className="document-body" dangerouslySetInnerHTML={{ __html: html }} />
    </article>
  );
}
