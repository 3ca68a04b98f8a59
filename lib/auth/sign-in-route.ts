import 'server-only';
import type { NextRequest } from 'next/server';
import { db } from '@/db/client';
import { clientKeyFromHeaders } from './client-key';
import { RateLimitedError } from './rate-limit';
import { rateLimitedResponse } from './routes';
import { signInWait } from './users';

type RouteHandler = (request: NextRequest) => Promise<Response>;

/**
 * Auth.js's POST route, answering a rate-limited password sign-in with 429 and Retry-After.
 * Auth.js itself answers every refused sign-in posted straight to its callback (a script that
 * skips the sign-in form) with a redirect to the sign-in page, `?error=CredentialsSignin&code=…`,
 * or that address as JSON when asked (`X-Auth-Return-Redirect`). The form's action never comes
 * through here, so the page keeps showing its own message.
 */
export function withRateLimitedSignIn(post: RouteHandler): RouteHandler {
  return async (request) => {
    const credentials = new URL(request.url).pathname.endsWith('/callback/credentials') ? await request.clone().formData().catch(() => null) : null;
    const response = await post(request);
    if (!credentials || (await refusalCode(response)) !== 'rate_limited') return response;
    const wait = await signInWait(db, String(credentials.get('email') ?? ''), clientKeyFromHeaders(request.headers));
    return rateLimitedResponse(new RateLimitedError(Math.max(1, wait)));
  };
}

/** The `code` of the sign-in page Auth.js sends a refused sign-in to, if that is what `response` does. */
async function refusalCode(response: Response): Promise<string | null> {
  let location = response.headers.get('location');
  if (!location && response.headers.get('content-type')?.startsWith('application/json')) {
    const body = (await response.clone().json().catch(() => null)) as { url?: unknown } | null;
    location = typeof body?.url === 'string' ? body.url : null;
  }
  return location ? new URL(location, 'http://billfold.invalid').searchParams.get('code') : null;
}
