import type { Role } from './users';
import { AuthorizationError } from './errors';

/**
 * What each role may do in the admin console. `admin` does everything; `support` reads
 * everything an admin reads and changes nothing (no refunds, no re-processing, no role changes).
 * Every mutating function in lib/ asserts its permission itself, so a page or action that forgot
 * to check still cannot act for the wrong person.
 */
export const PERMISSIONS = [
  /** Read every page of the console: transactions, customers, events, emails, the audit log. */
  'console.read',
  /** Ask for a refund, and approve another admin's request above the approval threshold. */
  'payments.refund',
  'disputes.respond',
  'webhooks.reprocess',
  'emails.resend',
  'subscriptions.cancel',
  'team.manage',
  /** Start a reconciliation run now (it heals drift through the webhook path: it changes rows). */
  'reconciliation.run',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<Role, readonly Permission[]> = {
  customer: [],
  support: ['console.read'],
  admin: PERMISSIONS,
};

/** The roles that see the console at all. */
export const STAFF_ROLES: readonly Role[] = ['support', 'admin'];

export const ROLE_LABELS: Record<Role, string> = { customer: 'Customer', support: 'Support', admin: 'Admin' };

export function can(who: { role: Role }, permission: Permission): boolean {
  return GRANTS[who.role].includes(permission);
}

/** Throws AuthorizationError('forbidden') unless `who` holds `permission`. */
export function assertCan(who: { role: Role }, permission: Permission): void {
  if (!can(who, permission)) throw new AuthorizationError('forbidden');
}
