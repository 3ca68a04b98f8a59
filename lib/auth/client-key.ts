/**
 * Who is asking, for rate limiting: the last X-Forwarded-For hop, which is the one added by the
 * proxy nearest to Billfold (Next.js sets the header from the socket when nothing else did).
 * Without a proxy in front, a client can choose this value, so the per-account limits, not
 * this one, are what stop password guessing; production should run behind a proxy that
 * appends the client address (README, "Going live").
 */
export function clientKeyFromHeaders(headers: Headers): string {
  const forwarded = headers
    .get('x-forwarded-for')
    ?.split(',')
    .map((hop) => hop.trim())
    .filter(Boolean)
    .at(-1);
  return forwarded || headers.get('x-real-ip')?.trim() || 'unknown';
}
