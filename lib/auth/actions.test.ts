import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { UserFacingError } from '@/lib/errors';

// The guards reach for the session; these tests are about what a refusal says, before any guard runs.
vi.mock('./guards', () => ({ requireUser: vi.fn(), requirePermission: vi.fn() }));
const { consoleAction, publicAction } = await import('./actions');
const guards = await import('./guards');
const { AuthorizationError } = await import('./errors');
const { problemsElsewhere } = await import('./refusals');

const CartInput = z.strictObject({
  items: z.array(z.strictObject({ priceId: z.string(), quantity: z.number().int() })),
  email: z.email('Enter a valid email address.').optional(),
});
const checkout = publicAction(CartInput, async () => 'started');

describe('what a refused action says', () => {
  it('names a field the request should not carry, in words, rather than asking to correct highlighted fields', async () => {
    const result = await checkout({ items: [{ priceId: 'p', quantity: 1 }], amount: 1 } as never);
    expect(result).toMatchObject({ ok: false, code: 'invalid_input', error: 'This request carried a field the shop does not accept: amount.' });
    expect(JSON.stringify(result)).not.toContain('highlighted');
  });

  it('says which line of the cart has a quantity that is not a whole number', async () => {
    for (const quantity of [1.5, 1e21, 2 ** 53 + 2]) {
      const result = await checkout({ items: [{ priceId: 'p', quantity }] });
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(result.error, String(quantity)).toMatch(/^Quantity of item 1 must be a whole number/);
      expect(Object.keys(result.fieldErrors ?? {})).toEqual(['items.0.quantity']);
    }
  });

  it('says a quantity sent as text must be a number, and a missing one is missing', async () => {
    const text = await checkout({ items: [{ priceId: 'p', quantity: '2' }] } as never);
    expect(text).toMatchObject({ ok: false, error: 'Quantity of item 1 must be a number.' });
    const missing = await checkout({ items: [{ priceId: 'p' }] } as never);
    expect(missing).toMatchObject({ ok: false, error: 'Quantity of item 1 is missing.' });
  });

  it("keeps a schema's own message, keyed by its field so the form shows it there", async () => {
    const result = await checkout({ items: [], email: 'not an address' });
    expect(result).toMatchObject({ ok: false, error: 'Enter a valid email address.', fieldErrors: { email: 'Enter a valid email address.' } });
  });

  it('lists every problem once, in the order found', async () => {
    const result = await checkout({ items: [{ priceId: 'p', quantity: 1.5, amount: 1 }], amount: 1 } as never);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBe('Quantity of item 1 must be a whole number. This request carried a field the shop does not accept: amount.');
  });

  it('puts a refusal from the body next to the field it is about', async () => {
    const refuse = publicAction(z.object({}), async () => {
      throw new UserFacingError('Quantity of Field Notebook must be a whole number between 1 and 99.', 'invalid_quantity', 'items.0.quantity');
    });
    expect(await refuse({})).toEqual({
      ok: false,
      code: 'invalid_quantity',
      error: 'Quantity of Field Notebook must be a whole number between 1 and 99.',
      fieldErrors: { 'items.0.quantity': 'Quantity of Field Notebook must be a whole number between 1 and 99.' },
    });
  });
});

describe('the message at the top of a form', () => {
  const refusal = { error: 'Enter a valid email address. This request carried a field the shop does not accept: amount.', fieldErrors: { email: 'Enter a valid email address.', '': 'This request carried a field the shop does not accept: amount.' } };

  it('lists only what the form cannot show next to one of its fields', () => {
    expect(problemsElsewhere(refusal, ['email'])).toBe('This request carried a field the shop does not accept: amount.');
    expect(problemsElsewhere(refusal, [])).toBe('Enter a valid email address. This request carried a field the shop does not accept: amount.');
  });

  it('is empty when every problem stands next to its field, and the whole message when none has a field', () => {
    expect(problemsElsewhere({ error: 'x', fieldErrors: { email: 'Enter a valid email address.' } }, ['email'])).toBeNull();
    expect(problemsElsewhere({ error: 'Your cart is empty.' }, ['email'])).toBe('Your cart is empty.');
  });
});

describe('a console action', () => {
  it('refuses a caller without the permission before reading the input, so a refusal says nothing about what it accepts', async () => {
    vi.mocked(guards.requirePermission).mockRejectedValueOnce(new AuthorizationError('forbidden'));
    const body = vi.fn();
    const reprocess = consoleAction('webhooks.reprocess', z.strictObject({ id: z.uuid() }), body);
    expect(await reprocess({ email: 'someone@example.com', role: 'admin' } as never)).toEqual({ ok: false, code: 'forbidden', error: 'You do not have access to this.' });
    expect(guards.requirePermission).toHaveBeenCalledWith('webhooks.reprocess');
    expect(body).not.toHaveBeenCalled();
  });
});
