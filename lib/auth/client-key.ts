/**
 * Who is asking, for rate limiting: the first X-Forwarded-For hop (Next.js sets it from the
 * socket when no proxy does; a trusted proxy in front of Billfold must overwrite it).
 */
export function clientKeyFromHeaders(headers: Headers): string {
  const forwarded = headers.get('x-forwarded-for')?.split(',')[0]?.trim();
  return forwarded || headers.get('x-real-ip')?.trim() || 'unknown';
}
