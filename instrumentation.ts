/** Runs once when a Next.js server starts: a bad configuration stops it with one line. */
export async function register() {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { stopOnInvalidEnv } = await import('@/lib/env-check');
  stopOnInvalidEnv();
}
