import { NextResponse, type NextRequest } from 'next/server';
import { env } from '@/lib/env';
import { paymentOrigins } from '@/lib/payments/browser';
import { checkoutSecurityHeaders, isPaymentPage } from '@/lib/security-headers';

/**
 * Two jobs, neither of them authorization:
 * - the payment pages (cart, checkout, subscribe, billing portal) get their security headers,
 *   with a fresh CSP nonce per request that Next.js reads from the request's CSP header and
 *   puts on its own scripts;
 * - /account and /admin send visitors with no session cookie to sign in. That is only a
 *   convenience: every page, action and route checks the caller itself (lib/auth/guards.ts),
 *   so bypassing this proxy gains nothing.
 */
const SESSION_COOKIES = ['authjs.session-token', '__Secure-authjs.session-token'];

const MEMBER_AREA = /^\/(account|admin)(\/|$)/;

function withPaymentHeaders(request: NextRequest): NextResponse {
  const nonce = Buffer.from(crypto.randomUUID()).toString('base64');
  const config = env();
  const https = request.nextUrl.protocol === 'https:' || request.headers.get('x-forwarded-proto') === 'https';
  const headers = checkoutSecurityHeaders({
    nonce,
    paymentOrigins: paymentOrigins(),
    development: config.nodeEnv === 'development',
    production: config.nodeEnv === 'production',
    https,
  });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('Content-Security-Policy', headers['Content-Security-Policy'] ?? '');
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

function redirectToSignIn(request: NextRequest): NextResponse {
  const url = request.nextUrl.clone();
  url.pathname = '/sign-in';
  url.search = `?next=${encodeURIComponent(request.nextUrl.pathname + request.nextUrl.search)}`;
  return NextResponse.redirect(url);
}

export function proxy(request: NextRequest) {
  const { pathname } = request.nextUrl;
  if (MEMBER_AREA.test(pathname) && !SESSION_COOKIES.some((name) => request.cookies.has(name))) return redirectToSignIn(request);
  if (isPaymentPage(pathname)) return withPaymentHeaders(request);
  return NextResponse.next();
}

export const config = { matcher: ['/account/:path*', '/admin/:path*', '/cart', '/checkout/:path*', '/subscribe/:path*'] };
