import { DocumentList } from "@/components/documents/document-list";
import { NewDocumentButton } from "@/components/documents/new-document-button";
import { listDocs } from "@/lib/api-client";
import { serverOrigin } from "@/lib/server-origin";

export const dynamic = "force-dynamic";

export default async function DocumentListPage() {
  const docs = await listDocs(serverOrigin());
  return (
    <section>
      <div className="list-header">
        <h1>Documents</h1>
        <NewDocumentButton />
      </div>
      <DocumentList docs={docs} />
    </section>
  );
}
