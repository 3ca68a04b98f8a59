import crypto from 'node:crypto';
import type { StoredObject, Tx } from '../store';
import type { FormObject } from './form';
import { matchRoute } from './routes';

/**
 * Faults aimed at one customer. The global chaos switches (sandbox/chaos.ts) disturb every
 * caller of the sandbox, so a test that wants "the provider is down" would break every other
 * test running beside it. A scoped fault hits only the API requests that concern the customer
 * with a given email, which a test makes unique, and each armed fault fires exactly once, so
 * a test knows how many of its requests fail and that the next one goes through.
 *
 * A request concerns a customer when its `email` parameter is theirs (creating, updating or
 * looking them up), when it names them or one of their objects in a parameter (`customer`,
 * `payment_intent`, …), or when the object in its path is them or one of their objects (a
 * PaymentIntent of theirs, retrieved or confirmed with either key, as Stripe.js confirms).
 */

export const FAULT_KINDS = ['unreachable', '500', 'silent'] as const;
/**
 * `unreachable`: the connection is dropped without an answer. `500`: Stripe's api_error.
 * `silent`: the request succeeds, but raises no event (no webhook is ever sent for it): an
 * object changed behind Billfold's back, as reconciliation must find.
 */
export type FaultKind = (typeof FAULT_KINDS)[number];

const METHODS = ['GET', 'POST', 'DELETE'] as const;
const MAX_TIMES = 100;
const MAX_ARMED = 1000;

export interface ArmedFault {
  id: string;
  email: string;
  kind: FaultKind;
  /** How many more requests it fails. */
  remaining: number;
  /** Only requests with this method, when set. */
  method: (typeof METHODS)[number] | null;
  /** Only requests to this path, when set; `:name` or `*` stands for any one segment. */
  path: string | null;
}

/** One entry of an admin call's `faults`. */
export interface FaultRequest {
  email: string;
  kind: FaultKind;
  /** How many requests it fails (1 unless given). */
  times: number;
  method: ArmedFault['method'];
  path: string | null;
}

interface Armed extends ArmedFault {
  pattern: RegExp | null;
}

/** Parameters that name an object, whose owner the request then concerns. */
const OWNER_PARAMS = ['customer', 'payment_intent', 'charge', 'invoice', 'subscription', 'setup_intent', 'payment_method'] as const;
/** Links followed from an object without a `customer` of its own (a refund → its PaymentIntent). */
const OWNER_LINKS = ['payment_intent', 'charge', 'invoice'] as const;

type Linked = StoredObject & Partial<Record<'customer' | 'email' | (typeof OWNER_LINKS)[number], unknown>>;

function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function idOf(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'object' && value !== null && 'id' in value && typeof value.id === 'string') return value.id;
  return null;
}

function pathPattern(path: string): RegExp {
  const segments = path.replace(/\/+$/, '').split('/').map((segment) => (segment === '*' || segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${segments.join('/')}/?$`);
}

/** The faults an admin call asks for, or why they are refused (nothing is armed then). */
export function parseFaults(input: unknown): FaultRequest[] | string {
  if (!Array.isArray(input)) return 'faults must be a list of faults to arm.';
  const parsed: FaultRequest[] = [];
  for (const [index, fault] of input.entries()) {
    const where = `faults[${index}]`;
    if (typeof fault !== 'object' || fault === null || Array.isArray(fault)) return `${where} must be an object.`;
    const { email, kind, times = 1, method, path, ...unknown } = fault as Record<string, unknown>;
    const extra = Object.keys(unknown)[0];
    if (extra) return `${where}: unknown field ${extra}.`;
    if (typeof email !== 'string' || !email.includes('@')) return `${where}.email must be the customer's email address.`;
    const known = FAULT_KINDS.find((candidate) => candidate === kind);
    if (!known) return `${where}.kind must be one of ${FAULT_KINDS.join(', ')}.`;
    if (typeof times !== 'number' || !Number.isSafeInteger(times) || times < 1 || times > MAX_TIMES) return `${where}.times must be a whole number from 1 to ${MAX_TIMES}.`;
    const verb = typeof method === 'string' ? METHODS.find((candidate) => candidate === method.toUpperCase()) : undefined;
    if (method !== undefined && !verb) return `${where}.method must be one of ${METHODS.join(', ')}.`;
    if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/v1/'))) return `${where}.path must be an API path such as /v1/payment_intents/:id/confirm.`;
    parsed.push({ email: normalizeEmail(email), kind: known, times, method: verb ?? null, path: path ?? null });
  }
  return parsed;
}

/** The customers' emails a request concerns (see the module comment). */
async function emailsConcerned(reader: Tx, method: string, pathname: string, params: FormObject): Promise<Set<string>> {
  const emails = new Set<string>();
  if (typeof params.email === 'string' && params.email !== '') emails.add(normalizeEmail(params.email));

  const named = OWNER_PARAMS.map((param) => idOf(params[param])).filter((id): id is string => id !== null);
  const target = matchRoute(method, pathname)?.params[0];
  if (target) named.push(target);

  const customerOf = async (id: string, hops: number): Promise<Linked | null> => {
    const object = await reader.getAny<Linked>(id);
    if (!object) return null;
    if (object.object === 'customer') return object;
    const owner = idOf(object.customer);
    if (owner) return customerOf(owner, 0);
    if (hops === 0) return null;
    for (const link of OWNER_LINKS) {
      const linked = idOf(object[link]);
      if (linked) return customerOf(linked, hops - 1);
    }
    return null;
  };
  for (const id of named) {
    const customer = await customerOf(id, 2);
    if (typeof customer?.email === 'string') emails.add(normalizeEmail(customer.email));
  }
  return emails;
}

export class CustomerFaults {
  private armed: Armed[] = [];

  /** Adds faults to those armed: other tests' faults, for other customers, stay as they are. */
  arm(faults: readonly FaultRequest[]): ArmedFault[] | string {
    if (this.armed.length + faults.length > MAX_ARMED) return `At most ${MAX_ARMED} faults can be armed at once.`;
    const added = faults.map(({ times, ...fault }) => ({
      id: `fault_${crypto.randomBytes(6).toString('hex')}`,
      ...fault,
      remaining: times,
      pattern: fault.path ? pathPattern(fault.path) : null,
    }));
    this.armed.push(...added);
    return added.map(({ pattern: _, ...fault }) => fault);
  }

  /** Arms an admin call's `faults`, or says why they are refused (nothing is armed then). */
  armRequested(input: unknown): ArmedFault[] | string {
    const parsed = parseFaults(input);
    return typeof parsed === 'string' ? parsed : this.arm(parsed);
  }

  list(): ArmedFault[] {
    return this.armed.map(({ pattern: _, ...fault }) => ({ ...fault }));
  }

  clear(): void {
    this.armed = [];
  }

  /** Disarms every fault still armed for this customer ("the outage is over"); others' stay. Returns how many. */
  disarm(email: string): number {
    const wanted = normalizeEmail(email);
    const before = this.armed.length;
    this.armed = this.armed.filter((fault) => fault.email !== wanted);
    return before - this.armed.length;
  }

  /**
   * The fault this request meets, if any, spent as it fires. The customer lookups happen only
   * when a fault is armed for this method and path, so an idle switch costs nothing.
   */
  async take(reader: Tx, method: string, pathname: string, params: FormObject): Promise<FaultKind | null> {
    const applies = (fault: Armed) => (fault.method === null || fault.method === method) && (fault.pattern === null || fault.pattern.test(pathname));
    if (!this.armed.some(applies)) return null;
    const emails = await emailsConcerned(reader, method, pathname, params);
    if (emails.size === 0) return null;
    // Looked up again after the awaits: a concurrent request may have spent the fault meanwhile.
    const fault = this.armed.find((candidate) => candidate.remaining > 0 && emails.has(candidate.email) && applies(candidate));
    if (!fault) return null;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.armed = this.armed.filter((candidate) => candidate !== fault);
    return fault.kind;
  }
}
