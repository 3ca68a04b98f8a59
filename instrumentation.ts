/**
 * Runs once when a Next.js server starts. Everything it does needs Node.js (./instrumentation-node.ts).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') await (await import('./instrumentation-node')).registerNode();
}
