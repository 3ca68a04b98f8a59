import 'server-only';
import { log } from '@/lib/log';
import { UserFacingError } from '@/lib/errors';
import { AuthorizationError } from './errors';
import { RateLimitedError } from './rate-limit';
import { requirePermission, requireUser } from './guards';
import type { Permission } from './roles';
import type { SessionUser } from './users';

/** A client told to slow down, and for how long: 429 with Retry-After, in the shape of every refusal. */
export function rateLimitedResponse(error: RateLimitedError): Response {
  return Response.json({ error: { code: error.code, message: error.message } }, { status: 429, headers: { 'Retry-After': String(error.retryAfterSeconds) } });
}

function errorResponse(error: unknown): Response {
  // Before UserFacingError, which it is: a client told to slow down is told for how long.
  if (error instanceof RateLimitedError) return rateLimitedResponse(error);
  if (error instanceof AuthorizationError) {
    return Response.json({ error: { code: error.code, message: error.message } }, { status: error.code === 'unauthenticated' ? 401 : 403 });
  }
  if (error instanceof UserFacingError) {
    return Response.json(
      { error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } },
      { status: error.code === 'not_found' ? 404 : 400 },
    );
  }
  log.error({ err: error }, 'route handler failed');
  return Response.json({ error: { code: 'internal', message: 'Internal error' } }, { status: 500 });
}

/**
 * Whether a browser sent this request from another site. Route handlers lack the origin check
 * Next.js gives server actions, and the session cookie (SameSite=Lax) already stays off most
 * cross-site requests; this refuses the rest. Clients that are not browsers send no
 * Sec-Fetch-Site and cannot carry someone else's cookie anyway.
 */
function crossSite(request: Request): boolean {
  const site = request.headers.get('sec-fetch-site');
  return site !== null && site !== 'same-origin' && site !== 'none';
}

/**
 * A console route handler: the caller must hold `permission`; others get 401 or 403 as JSON. A
 * request that changes something (not GET or HEAD) from another site is refused with 403.
 * `context` is what Next.js passes (the route's params).
 */
export function consoleRoute<Context = unknown>(permission: Permission, handler: (request: Request, staff: SessionUser, context: Context) => Promise<Response>) {
  return async (request: Request, context: Context): Promise<Response> => {
    try {
      const staff = await requirePermission(permission);
      if (request.method !== 'GET' && request.method !== 'HEAD' && crossSite(request)) throw new AuthorizationError('forbidden');
      return await handler(request, staff, context);
    } catch (error) {
      return errorResponse(error);
    }
  };
}

/**
 * A route handler for signed-in users; anonymous callers get 401 as JSON. `context` is what
 * Next.js passes (the route's params): ownership of what they name is the data layer's check.
 */
export function userRoute<Context = unknown>(handler: (request: Request, user: SessionUser, context: Context) => Promise<Response>) {
  return async (request: Request, context: Context): Promise<Response> => {
    try {
      return await handler(request, await requireUser(), context);
    } catch (error) {
      return errorResponse(error);
    }
  };
}
