import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { ServiceWorkerRegistration } from "@/components/offline/service-worker-registration";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Tandem", template: "%s · Tandem" },
  description: "Write documents together, live.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <Link href="/" className="brand">
            Tandem
          </Link>
        </header>
        <main className="site-main">{children}</main>
        <ServiceWorkerRegistration />
      </body>
    </html>
  );
}
