import 'server-only';
import { SpanStatusCode } from '@opentelemetry/api';
import { unstable_rethrow } from 'next/navigation';
import { z } from 'zod';
import { log } from '@/lib/log';
import { UserFacingError } from '@/lib/errors';
import { inSpan } from '@/lib/ops/tracing';
import { AuthorizationError } from './errors';
import { checkInWords, describeInvalidInput } from './refusals';
import { requirePermission, requireUser } from './guards';
import type { Permission } from './roles';
import type { SessionUser } from './users';

export type ActionResult<T = undefined> =
  | { ok: true; data: T; message?: string }
  | { ok: false; error: string; code: string; fieldErrors?: Record<string, string> };

function inputFrom(input: unknown): unknown {
  if (!(input instanceof FormData)) return input;
  const object: Record<string, FormDataEntryValue> = {};
  for (const [key, value] of input.entries()) {
    // React's own hidden fields for progressive enhancement are not part of the input.
    if (!key.startsWith('$ACTION')) object[key] = value;
  }
  return object;
}

/** What an action's span is named by: its wrapper, and for a console action the permission it needs. */
type ActionKind = 'public' | 'user' | `console ${Permission}`;

/**
 * Runs an action in a span (lib/ops/tracing.ts), so the provider calls it makes are its children
 * and its outcome code is on it (a refusal is not an error of the span; a failure is).
 */
function run<S extends z.ZodType, T, W>(
  kind: ActionKind,
  schema: S,
  rawInput: unknown,
  body: (input: z.output<S>, caller: W) => Promise<T>,
  authorize: () => Promise<W>,
): Promise<ActionResult<T>> {
  return inSpan(`server action (${kind})`, {}, async (span) => {
    const result = await settle(schema, rawInput, body, authorize);
    span.setAttribute('billfold.action.outcome', result.ok ? 'ok' : result.code);
    if (!result.ok && result.code === 'internal') span.setStatus({ code: SpanStatusCode.ERROR });
    return result;
  });
}

async function settle<S extends z.ZodType, T, W>(
  schema: S,
  rawInput: unknown,
  body: (input: z.output<S>, caller: W) => Promise<T>,
  /** Checked before the input is read: someone who may not act learns nothing about what it takes. */
  authorize: () => Promise<W>,
): Promise<ActionResult<T>> {
  try {
    const caller = await authorize();
    // A schema's own messages win over checkInWords, which words zod's checks for the rest.
    const parsed = schema.safeParse(inputFrom(rawInput), { error: checkInWords });
    if (!parsed.success) return { ok: false, code: 'invalid_input', ...describeInvalidInput(parsed.error.issues) };
    return { ok: true, data: await body(parsed.data, caller) };
  } catch (error) {
    unstable_rethrow(error); // redirect() and notFound() are control flow, not failures
    if (error instanceof UserFacingError && error.field) {
      return { ok: false, error: error.message, code: error.code, fieldErrors: { [error.field]: error.message } };
    }
    if (error instanceof AuthorizationError || error instanceof UserFacingError) {
      return { ok: false, error: error.message, code: error.code };
    }
    log.error({ err: error }, 'server action failed');
    return { ok: false, error: 'Something went wrong on our side. Nothing was changed; please try again.', code: 'internal' };
  }
}

/**
 * Every server action is built by one of these: the input is parsed with zod and the caller
 * is checked before the body runs, so no action can forget either.
 */
export function publicAction<S extends z.ZodType, T>(schema: S, body: (input: z.output<S>) => Promise<T>) {
  return (input: z.input<S> | FormData) => run('public', schema, input, (parsed) => body(parsed), async () => undefined);
}

export function userAction<S extends z.ZodType, T>(schema: S, body: (input: z.output<S>, user: SessionUser) => Promise<T>) {
  return (input: z.input<S> | FormData) =>
    run('user', schema, input, async (parsed) => body(parsed, await requireUser()), async () => undefined);
}

/**
 * An admin console action: the caller must hold `permission`, checked before the input is parsed
 * (so every action answers anyone without it the same way, whatever they sent); the lib/ function
 * it calls checks again.
 */
export function consoleAction<S extends z.ZodType, T>(
  permission: Permission,
  schema: S,
  body: (input: z.output<S>, staff: SessionUser) => Promise<T>,
) {
  return (input: z.input<S> | FormData) => run(`console ${permission}`, schema, input, body, () => requirePermission(permission));
}
