import type { Env } from '@/lib/env';
import type { PaymentProvider, WebhookRegistration } from '@/lib/payments/provider';
import { blocker, ok, warn, type Finding } from './finding';
import { reasonOf } from './reason';

/** How many missing event types a line names before it says how many more. */
const LISTED_TYPES = 8;

/**
 * The URL a provider must send Billfold's webhooks to (its one-line route under /api/webhooks).
 * In sandbox mode, the one `npm run dev` registers with the sandbox; otherwise made from
 * AUTH_URL; null when AUTH_URL is not set.
 */
export function webhookUrl(config: Pick<Env, 'paymentsMode' | 'port' | 'authUrl'>, provider: string): string | null {
  const path = `/api/webhooks/${provider}`;
  if (config.paymentsMode === 'sandbox') return `http://127.0.0.1:${config.port}${path}`;
  return config.authUrl ? new URL(path, config.authUrl).toString() : null;
}

type Endpoint = WebhookRegistration['endpoints'][number];

function missingTypes(endpoint: Endpoint, handled: readonly string[]): string[] {
  const sent = endpoint.eventTypes;
  return sent === null ? [] : handled.filter((type) => !sent.includes(type));
}

function listed(types: readonly string[]): string {
  const shown = types.slice(0, LISTED_TYPES).join(', ');
  return types.length > LISTED_TYPES ? `${shown} and ${types.length - LISTED_TYPES} more` : shown;
}

/**
 * What makes the endpoint's deliveries pass verification, as far as can be read: null when it
 * does, else the blocker's sentence. In sandbox mode `npm run dev` registers the endpoints at
 * each start and hands their secret and id to the app, so nothing need be configured.
 */
function verificationProblem(registration: WebhookRegistration, endpoint: Endpoint, sandbox: boolean): string | null {
  const { verification } = registration;
  if (verification.kind === 'signing_secret') {
    return verification.configured || sandbox ? null : `${verification.variable} is not set: set it to endpoint ${endpoint.id}'s signing secret`;
  }
  if (verification.configured.length === 0) return sandbox ? null : `${verification.variable} is not set: set it to ${endpoint.id}`;
  if (!verification.configured.includes(endpoint.id)) {
    return `${verification.variable} is ${verification.configured.join(', ')} but the webhook registered for this URL is ${endpoint.id}: deliveries will be refused; set ${verification.variable}=${endpoint.id}`;
  }
  return null;
}

function verificationNote(registration: WebhookRegistration, sandbox: boolean): string {
  const { verification } = registration;
  if (verification.kind === 'signing_secret') {
    if (!verification.configured) return '; its signing secret reaches the app from npm run dev when it registers the endpoint';
    return `; a signing secret is set in ${verification.variable} (the provider never shows it again: make sure it is this endpoint's)`;
  }
  if (verification.configured.length === 0 && sandbox) return '; its id reaches the app from npm run dev when it registers the webhook';
  return `; it is the webhook ${verification.variable} names`;
}

/**
 * Whether the provider sends Billfold's webhooks where the app receives them: an enabled
 * endpoint for the URL, sending every event type Billfold acts on, whose deliveries the
 * configured secret or webhook id accepts. Read from the provider itself.
 */
export async function checkWebhookRegistration(provider: PaymentProvider, config: Env): Promise<Finding> {
  const name = `${provider.name} webhooks`;
  const { registration: read } = provider.webhooks;
  if (!read) return warn(name, `not checked: Billfold cannot read ${provider.name}'s webhook registrations`);
  const url = webhookUrl(config, provider.name);
  if (!url) return blocker(name, `AUTH_URL is not set, so the URL ${provider.name} must send to is unknown`);
  const sandbox = config.paymentsMode === 'sandbox';
  let registration: WebhookRegistration;
  try {
    registration = await read(url);
  } catch (error) {
    if (sandbox) return blocker(name, `the sandbox at ${config.sandboxUrl} did not answer (${reasonOf(error)}): is it running? npm run dev starts it, or npm run sandbox`);
    return blocker(name, `could not be read from ${provider.name}: ${reasonOf(error)}`);
  }

  if (registration.endpoints.length === 0) {
    return blocker(name, `nothing is registered at ${provider.name} for ${url}: add a webhook there for that URL (every event type Billfold acts on, or all events)`);
  }
  const enabled = registration.endpoints.filter((endpoint) => endpoint.enabled);
  if (enabled.length === 0) {
    return blocker(name, `${registration.endpoints.map((endpoint) => endpoint.id).join(', ')} for ${url} is disabled at ${provider.name}: enable it`);
  }
  // With several for the URL, judge the one closest to right: verifiable first, then most complete.
  const [best] = enabled
    .map((endpoint) => ({ endpoint, missing: missingTypes(endpoint, registration.handledEventTypes), problem: verificationProblem(registration, endpoint, sandbox) }))
    .sort((a, b) => Number(a.problem !== null) - Number(b.problem !== null) || a.missing.length - b.missing.length);
  const { endpoint, missing, problem } = best!;
  if (problem) return blocker(name, `${url}: ${problem}`);
  if (missing.length > 0) {
    return blocker(name, `${endpoint.id} for ${url} is not sent ${missing.length} event type(s) Billfold acts on: ${listed(missing)}; add them (or all events)`);
  }
  return ok(name, `${endpoint.id} for ${url} is sent every event type Billfold acts on (${registration.handledEventTypes.length})${verificationNote(registration, sandbox)}`);
}
