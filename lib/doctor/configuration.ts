import type { Env, PaymentsMode } from '@/lib/env';
import { blocker, ok, warn, type Finding } from './finding';

/** What selected the payments mode, in the variables' words (lib/env.ts derives it from the keys). */
function modeSource(config: Env): string {
  if (config.paymentsMode === 'sandbox') return 'no provider keys are set, so payments go to the local sandbox';
  const sources: string[] = [];
  if (config.stripe.secretKey) sources.push(`STRIPE_SECRET_KEY is a ${config.paymentsMode} key`);
  if (config.paypal) sources.push(`PAYPAL_ENVIRONMENT is ${config.paypal.environment}`);
  return sources.join(', ');
}

/** The payments mode the keys select, against the one the operator expects (`--expect`); a mismatch is a blocker. */
export function checkMode(config: Env, expected: PaymentsMode | null): Finding {
  const name = 'payments mode';
  const mode = config.paymentsMode;
  if (expected && expected !== mode) return blocker(name, `${mode}, not ${expected} as expected: ${modeSource(config)}`);
  if (expected) return ok(name, `${mode}, as expected (${modeSource(config)})`);
  if (mode === 'live') return ok(name, `live (${modeSource(config)})`);
  return warn(name, `${mode}, which takes no real money (${modeSource(config)}); pass --expect ${mode} if that is what you meant`);
}

/**
 * AUTH_URL is the public origin: sign-in cookies are secure only over https, and webhook URLs and
 * emailed links are made from it. A live shop must have it, on https.
 */
export function checkAuthUrl(config: Env): Finding {
  const name = 'AUTH_URL';
  const live = config.paymentsMode === 'live';
  const problem = live ? blocker : warn;
  if (!config.authUrl) return problem(name, `is not set: set it to the https origin customers use (webhook URLs and emailed links are made from it)`);
  const url = new URL(config.authUrl);
  if (url.protocol !== 'https:') return problem(name, `${url.origin} is not https: customers' sessions and payments need TLS${live ? '' : ' (fine for local development)'}`);
  return ok(name, `${url.origin} is https`);
}
