import crypto from 'node:crypto';
import { z } from 'zod';
import type { ProviderFaults } from '../module';
import type { Tx } from '../store';

/**
 * Faults aimed at one PayPal buyer or one order, PayPal's side of the Stripe per-customer faults
 * (sandbox/stripe/faults.ts says why the global switches are not enough). Armed through
 * POST /_sandbox/chaos with `faults: { paypal: [...] }`; each fault is for a payer's email
 * (`email`) or a merchant's `custom_id` (Billfold's order reference), which a test makes unique,
 * and fires `times` times (1 unless given):
 *
 * - `500`: an API request that concerns it gets PayPal's INTERNAL_SERVER_ERROR, having done nothing;
 * - `unreachable`: an API request that concerns it gets no answer (the connection is dropped);
 * - `drop-webhooks`: a delivery of an event about it is lost on the way (an attempt that fails
 *   without an answer, retried with backoff as any failed delivery).
 *
 * Something concerns the email or custom_id when it appears in it as an `email_address` (a payer,
 * a subscriber) or a `custom_id` / `custom` (purchase units, captures, subscriptions, disputes'
 * transactions): in the request body, in the stored resource the request's path names (an order
 * being captured, a capture being refunded), or in an event's resource.
 */

export const PAYPAL_FAULT_KINDS = ['500', 'unreachable', 'drop-webhooks'] as const;
export type PaypalFaultKind = (typeof PAYPAL_FAULT_KINDS)[number];
const MAX_ARMED = 1000;
const TIMES = 'times must be a whole number from 1 to 100.';

const FaultRequest = z
  .strictObject({
    email: z.string().includes('@', { message: 'email must be the payer’s email address.' }).transform((email) => email.trim().toLowerCase()).optional(),
    custom_id: z.string().min(1).max(127).optional(),
    kind: z.enum(PAYPAL_FAULT_KINDS, { message: `kind must be one of ${PAYPAL_FAULT_KINDS.join(', ')}.` }),
    times: z.number({ message: TIMES }).int({ message: TIMES }).min(1, { message: TIMES }).max(100, { message: TIMES }).default(1),
    method: z.enum(['GET', 'POST', 'PATCH', 'DELETE']).optional(),
    /** Only API requests to this path (`/v2/checkout/orders/:id/capture`); `:name` or `*` is any one segment. */
    path: z.string().regex(/^\/v[12]\//, { message: 'path must be a PayPal API path such as /v2/checkout/orders/:id/capture.' }).optional(),
  })
  .refine((fault) => (fault.email === undefined) !== (fault.custom_id === undefined), { message: 'Give exactly one of email and custom_id.' });
const FaultList = z.array(FaultRequest).max(MAX_ARMED);

export interface ArmedPaypalFault {
  id: string;
  email: string | null;
  custom_id: string | null;
  kind: PaypalFaultKind;
  remaining: number;
  method: string | null;
  path: string | null;
}

interface Armed extends ArmedPaypalFault {
  pattern: RegExp | null;
}

function pathPattern(path: string): RegExp {
  const segments = path.replace(/\/+$/, '').split('/').map((segment) => (segment === '*' || segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${segments.join('/')}/?$`);
}

/** The emails and custom ids found anywhere in a JSON value. */
export function identitiesIn(value: unknown, found = { emails: new Set<string>(), customIds: new Set<string>() }, depth = 0) {
  if (depth > 12 || typeof value !== 'object' || value === null) return found;
  for (const [key, inner] of Object.entries(value)) {
    if (typeof inner === 'string') {
      if (key === 'email_address') found.emails.add(inner.trim().toLowerCase());
      else if (key === 'custom_id' || key === 'custom') found.customIds.add(inner);
    } else {
      identitiesIn(inner, found, depth + 1);
    }
  }
  return found;
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'The PayPal faults were refused.';
  const where = issue.path.length > 0 ? `faults.paypal[${issue.path.join('].')}${issue.path.length > 1 ? '' : ']'}: ` : 'faults.paypal: ';
  if (issue.code === 'unrecognized_keys') return `${where}unknown field ${issue.keys.join(', ')}.`;
  if (issue.code === 'invalid_type' && issue.path.length === 0) return 'faults.paypal must be a list of faults to arm.';
  return `${where}${issue.message}`;
}

export class PaypalFaults implements ProviderFaults {
  readonly key = 'paypal';
  private armed: Armed[] = [];

  prepare(input: unknown): (() => ArmedPaypalFault[]) | string {
    const parsed = FaultList.safeParse(input);
    if (!parsed.success) return describe(parsed.error);
    if (this.armed.length + parsed.data.length > MAX_ARMED) return `At most ${MAX_ARMED} PayPal faults can be armed at once.`;
    return () => {
      const added: Armed[] = parsed.data.map((fault) => ({
        id: `fault_${crypto.randomBytes(6).toString('hex')}`,
        email: fault.email ?? null,
        custom_id: fault.custom_id ?? null,
        kind: fault.kind,
        remaining: fault.times,
        method: fault.method ?? null,
        path: fault.path ?? null,
        pattern: fault.path ? pathPattern(fault.path) : null,
      }));
      this.armed.push(...added);
      return added.map(({ pattern: _, ...fault }) => fault);
    };
  }

  list(): ArmedPaypalFault[] {
    return this.armed.map(({ pattern: _, ...fault }) => ({ ...fault }));
  }

  clear(): void {
    this.armed = [];
  }

  /** Spends one firing of the first armed fault that `matches`, if any. */
  private spend(matches: (fault: Armed) => boolean): Armed | null {
    const fault = this.armed.find((candidate) => candidate.remaining > 0 && matches(candidate));
    if (!fault) return null;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.armed = this.armed.filter((candidate) => candidate !== fault);
    return fault;
  }

  private static about(fault: Armed, identities: ReturnType<typeof identitiesIn>): boolean {
    return fault.email !== null ? identities.emails.has(fault.email) : identities.customIds.has(fault.custom_id ?? '');
  }

  /**
   * The fault an API request meets, spent as it fires. The resources its path names are read
   * only when a fault is armed for this method and path, so an idle switch costs nothing.
   */
  async takeForRequest(reader: Tx, method: string, pathname: string, body: unknown, pathIds: string[]): Promise<'500' | 'unreachable' | null> {
    const applies = (fault: Armed) => fault.kind !== 'drop-webhooks' && (fault.method === null || fault.method === method) && (fault.pattern === null || fault.pattern.test(pathname));
    if (!this.armed.some(applies)) return null;
    const identities = identitiesIn(body);
    for (const id of pathIds) {
      const record = await reader.getAny<{ id: string; object: string; created: number; resource?: unknown }>(id);
      if (record?.object.startsWith('paypal_')) identitiesIn(record.resource, identities);
    }
    // Looked for again after the awaits: a concurrent request may have spent the fault meanwhile.
    const fault = this.spend((candidate) => applies(candidate) && PaypalFaults.about(candidate, identities));
    return fault ? (fault.kind as '500' | 'unreachable') : null;
  }

  /** The fault that drops this delivery of an event whose resource is `resource`, spent as it fires. */
  takeForDelivery(resource: unknown): ArmedPaypalFault | null {
    if (!this.armed.some((fault) => fault.kind === 'drop-webhooks')) return null;
    const identities = identitiesIn(resource);
    const fault = this.spend((candidate) => candidate.kind === 'drop-webhooks' && PaypalFaults.about(candidate, identities));
    if (!fault) return null;
    const { pattern: _, ...shown } = fault;
    return shown;
  }
}
