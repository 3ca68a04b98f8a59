import 'server-only';
import { log } from '@/lib/log';
import { UserFacingError } from '@/lib/errors';
import { AuthorizationError } from './errors';
import { requirePermission, requireUser } from './guards';
import type { Permission } from './roles';
import type { SessionUser } from './users';

function errorResponse(error: unknown): Response {
  if (error instanceof AuthorizationError) {
    return Response.json({ error: { code: error.code, message: error.message } }, { status: error.code === 'unauthenticated' ? 401 : 403 });
  }
  if (error instanceof UserFacingError) {
    return Response.json({ error: { code: error.code, message: error.message } }, { status: error.code === 'not_found' ? 404 : 400 });
  }
  log.error({ err: error }, 'route handler failed');
  return Response.json({ error: { code: 'internal', message: 'Internal error' } }, { status: 500 });
}

/** A console route handler: the caller must hold `permission`; others get 401 or 403 as JSON. */
export function consoleRoute(permission: Permission, handler: (request: Request, staff: SessionUser) => Promise<Response>) {
  return async (request: Request): Promise<Response> => {
    try {
      return await handler(request, await requirePermission(permission));
    } catch (error) {
      return errorResponse(error);
    }
  };
}

/** A route handler for signed-in users; anonymous callers get 401 as JSON. */
export function userRoute(handler: (request: Request, user: SessionUser) => Promise<Response>) {
  return async (request: Request): Promise<Response> => {
    try {
      return await handler(request, await requireUser());
    } catch (error) {
      return errorResponse(error);
    }
  };
}
