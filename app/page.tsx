import Link from "next/link";
import { NewDocumentButton } from "@/components/documents/new-document-button";
import { listDocs } from "@/lib/api-client";
import { formatBytes, formatTimestamp } from "@/lib/format";
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
      {docs.length === 0 ? (
        <p className="empty">No documents yet. Create one to start writing.</p>
      ) : (
        <table className="doc-table">
          <thead>
            <tr>
              <th>Title</th>
              <th>Last edited (UTC)</th>
              <th>Size</th>
            </tr>
          </thead>
          <tbody>
            {docs.map((doc) => (
              <tr key={doc.id}>
                <td>
                  <Link href={`/d/${doc.id}`}>{doc.title}</Link>
                </td>
                <td>{formatTimestamp(doc.updatedAt)}</td>
                <td>{formatBytes(doc.sizeBytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
