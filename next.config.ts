import type { NextConfig } from "next";

// `next build` (also run directly as `npm run build`) and Next's request router in our
// server load this file before they create their telemetry client, so neither reports
// to Vercel; `tandem serve` and ensureBuild set the same variable themselves too.
process.env.NEXT_TELEMETRY_DISABLED = "1";

const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // `npm test` type-checks with TypeScript 7 (`tsc --noEmit`); Next's own check needs the
  // TypeScript 5 compiler API, which TypeScript 7's native compiler does not ship.
  typescript: { ignoreBuildErrors: true },
  // Server packages stay in Node's own module loader rather than the bundle.
  serverExternalPackages: ["classic-level", "memory-level", "@hocuspocus/server", "pino"],
};

export default config;
