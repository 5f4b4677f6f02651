// @ts-check
// JavaScript, not TypeScript: a next.config.ts makes every server start load
// Next's native SWC compiler just to read this file (~25 MiB of resident memory
// and a thread pool for the server's whole life; docs/benchmarks-ui-export.md).

const securityHeaders = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  // Saga ids and trace ids in our URLs must not leak to other sites through links.
  { key: 'Referrer-Policy', value: 'same-origin' },
  // Pages and API responses get the full policy with a nonce from proxy.ts; this
  // one covers what the proxy skips (static files, prefetches).
  { key: 'Content-Security-Policy', value: "frame-ancestors 'none'; object-src 'none'; base-uri 'self'" },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native or WASM drivers that must be loaded by Node, not bundled.
  serverExternalPackages: [
    'pg', '@prisma/adapter-pg', '@electric-sql/pglite', 'pglite-prisma-adapter', 'pg-copy-streams',
    // The UI's own tracing (lib/telemetry): loaded by Node, so it shares one @opentelemetry/api and grpc-js.
    '@opentelemetry/sdk-node', '@opentelemetry/exporter-trace-otlp-grpc', '@grpc/grpc-js',
  ],
  poweredByHeader: false,
  reactStrictMode: true,
  async headers() {
    return [{ source: '/:path*', headers: securityHeaders }];
  },
};

export default nextConfig;
