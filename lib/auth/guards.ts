import 'server-only';
import { notFound, redirect } from 'next/navigation';
import { cache } from 'react';
import { db } from '@/db/client';
import { auth } from './config';
import { AuthorizationError } from './errors';
import { assertCan, STAFF_ROLES, type Permission } from './roles';
import { findUserById, toSessionUser, type SessionUser } from './users';

/**
 * Who is calling, read fresh from the database: a changed role or a deleted account takes
 * effect on the next request, whatever the session cookie still says. Cached per request.
 */
export const getCurrentUser = cache(async (): Promise<SessionUser | null> => {
  const session = await auth();
  const id = session?.user?.id;
  if (!id) return null;
  const user = await findUserById(db, id);
  return user ? toSessionUser(user) : null;
});

/** For server actions and route handlers: throws AuthorizationError('unauthenticated'). */
export async function requireUser(): Promise<SessionUser> {
  const user = await getCurrentUser();
  if (!user) throw new AuthorizationError('unauthenticated');
  return user;
}

/** For server actions and route handlers: someone holding `permission` (lib/auth/roles.ts). */
export async function requirePermission(permission: Permission): Promise<SessionUser> {
  const user = await requireUser();
  assertCan(user, permission);
  return user;
}

/** Only same-site paths, so `?next=` can never send someone to another origin. */
export function safeReturnPath(path: string | null | undefined, fallback = '/account'): string {
  if (!path || !path.startsWith('/') || path.startsWith('//') || path.startsWith('/\\')) return fallback;
  return path;
}

/** Pages: anonymous visitors are sent to sign in and brought back to `returnTo`. */
export async function requireUserForPage(returnTo: string): Promise<SessionUser> {
  const user = await getCurrentUser();
  if (!user) redirect(`/sign-in?next=${encodeURIComponent(safeReturnPath(returnTo))}`);
  return user;
}

/**
 * Admin console pages: anyone who may read the console (admin or support). A signed-in customer
 * gets a 404, so the admin area does not reveal itself.
 */
export async function requireStaffForPage(returnTo: string): Promise<SessionUser> {
  const user = await requireUserForPage(returnTo);
  if (!STAFF_ROLES.includes(user.role)) notFound();
  return user;
}
