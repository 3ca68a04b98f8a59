import type http from 'node:http';
import type { Store, Tx } from '../../store';
import { readJsonBody, sendJson } from '../../admin-json';

/**
 * The account's "Manage failed payments" settings, as the Dashboard has them: when to retry a
 * failed renewal (days after the first failure, like Smart Retries' default schedule) and what
 * happens to the subscription after the last retry fails. Stored in the sandbox's own table so
 * `/_sandbox/reset` restores the defaults.
 */
export interface BillingSettings {
  retryDays: number[];
  afterFinalFailure: 'cancel' | 'unpaid' | 'past_due';
}

const SETTINGS_ID = 'sandbox_billing_settings';
export const DEFAULT_BILLING_SETTINGS: BillingSettings = { retryDays: [3, 5, 7], afterFinalFailure: 'cancel' };

interface StoredSettings extends BillingSettings {
  id: string;
  object: string;
  created: number;
}

export async function billingSettings(tx: Tx): Promise<BillingSettings> {
  const stored = await tx.get<StoredSettings>(SETTINGS_ID, SETTINGS_ID);
  return stored ? { retryDays: stored.retryDays, afterFinalFailure: stored.afterFinalFailure } : DEFAULT_BILLING_SETTINGS;
}

function parseSettings(input: unknown, current: BillingSettings): BillingSettings | string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'The body must be a JSON object.';
  const next = { ...current };
  for (const [key, value] of Object.entries(input)) {
    if (key === 'retryDays') {
      if (!Array.isArray(value) || value.length > 8 || !value.every((day) => Number.isSafeInteger(day) && day > 0 && day <= 60)) {
        return 'retryDays must be at most 8 whole numbers of days between 1 and 60.';
      }
      const days = value as number[];
      if (days.some((day, index) => index > 0 && day <= (days[index - 1] ?? 0))) return 'retryDays must increase.';
      next.retryDays = days;
    } else if (key === 'afterFinalFailure') {
      if (value !== 'cancel' && value !== 'unpaid' && value !== 'past_due') return 'afterFinalFailure must be cancel, unpaid or past_due.';
      next.afterFinalFailure = value;
    } else {
      return `Unknown setting: ${key}.`;
    }
  }
  return next;
}

/** `GET /_sandbox/billing` shows the settings; `POST` with JSON changes them. */
export async function handleBillingSettings(store: Store, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const send = (status: number, body: unknown) => sendJson(response, status, body);
  if (request.method === 'GET') return send(200, await billingSettings(store.reader));
  if (request.method !== 'POST') return send(405, { error: { message: 'Use GET or POST.' } });
  const body = await readJsonBody(request, response);
  if (!body.ok) return;
  const input = body.value;
  const result = await store.tx(async (tx) => {
    const parsed = parseSettings(input, await billingSettings(tx));
    if (typeof parsed === 'string') return parsed;
    const row: StoredSettings = { id: SETTINGS_ID, object: SETTINGS_ID, created: 0, ...parsed };
    await tx.sql`delete from sandbox.objects where id = ${SETTINGS_ID}`;
    await tx.insert(row);
    return parsed;
  });
  if (typeof result === 'string') return send(400, { error: { message: result } });
  return send(200, result);
}
