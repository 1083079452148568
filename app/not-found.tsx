import Link from "next/link";

export default function NotFound() {
  return (
    <section className="not-found">
      <h1>Not found</h1>
      <p>There is no document here. It may have been deleted, or the link is mistyped.</p>
      <Link href="/">Back to all documents</Link>
    </section>
  );
}
