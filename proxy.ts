import { NextResponse, type NextRequest } from 'next/server';

/**
 * Only a convenience redirect to the sign-in page for visitors with no session cookie.
 * It is not a security boundary: every page, action and route checks the caller itself
 * (lib/auth/guards.ts), so bypassing this proxy gains nothing.
 */
const SESSION_COOKIES = ['authjs.session-token', '__Secure-authjs.session-token'];

export function proxy(request: NextRequest) {
  const hasSession = SESSION_COOKIES.some((name) => request.cookies.has(name));
  if (hasSession) return NextResponse.next();
  const url = request.nextUrl.clone();
  url.pathname = '/sign-in';
  url.search = `?next=${encodeURIComponent(request.nextUrl.pathname + request.nextUrl.search)}`;
  return NextResponse.redirect(url);
}

export const config = { matcher: ['/account/:path*', '/admin/:path*'] };
