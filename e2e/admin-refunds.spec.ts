import type { Page } from '@playwright/test';
import { E2E_ADMIN_EMAIL } from '../playwright.config';
import { actionsUnder, callAction } from './actions-support';
import { adminBrowser, newTeamMember, paymentIdOf, refund, refundsAtProvider } from './admin-support';
import { addToCart, continueToPayment, enterCard, expect, expectConfirmation, intentsFor, payButton, test } from './checkout-support';
import { resourceFailedWith, uniqueEmail } from './support';

test.describe.configure({ timeout: 120_000 });

/** A customer pays for `quantity` of `product` by card; returns their email and the provider's payment id. */
async function paidByCard(page: Page, product: string, quantity: number) {
  const browser = page.context().browser()!;
  const email = uniqueEmail('refund');
  await addToCart(page, product, quantity);
  await continueToPayment(page, email);
  await enterCard(page, '4242424242424242');
  await payButton(page).click();
  await expectConfirmation(page);
  const [intent] = await intentsFor(email);
  return { email, intentId: intent!.id, paymentId: await paymentIdOf(browser, email) };
}

test('an admin refunds part of a card payment, sees what is left and the refund settle in the timeline, and a double-clicked refund is one refund', async ({ page, browser }) => {
  const paid = await paidByCard(page, 'Field Notebook', 2);

  const admin = await adminBrowser(browser);
  await admin.goto(`/admin/transactions/${paid.paymentId}`);
  await expect(admin.getByRole('heading', { name: '$36.00 · Stripe' })).toBeVisible();
  await expect(admin.getByTestId('payment-customer')).toHaveText(paid.email);
  await expect(admin.getByTestId('refund-remaining')).toHaveText('$36.00');

  await refund(admin, '10.00', { note: 'One notebook arrived damaged' });
  await expect(admin.getByTestId('refund-message')).toHaveText('Refund sent. It shows as Refunded once the provider confirms it.');
  await expect(admin.getByTestId('refund-remaining')).toHaveText('$26.00');
  await expect(admin.getByTestId('amount-remaining')).toHaveText('$26.00');

  // The provider's webhook settles it: the timeline's refund turns from Pending to Refunded, the
  // provider's event is there with its processing state, and the order is partially refunded.
  const timeline = admin.getByTestId('payment-timeline');
  // The refund's event and the payment's (which moves the order) are applied one by one: wait
  // for both, reloading, rather than read a page rendered between them.
  await expect(async () => {
    await admin.reload();
    await expect(timeline.getByTestId('timeline-refund').getByTestId('refund-status')).toHaveText('Refunded', { timeout: 1_000 });
    await expect(admin.getByTestId('order-status')).toHaveText('Partially refunded', { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  await expect(admin.getByTestId('amount-refunded')).toHaveText('$10.00');
  await expect(timeline.getByTestId('timeline-webhook').filter({ hasText: 'charge.refunded' }).first().getByTestId('webhookEvent-status')).toHaveText('Processed');
  await expect(timeline.getByTestId('timeline-admin').filter({ hasText: 'refund.sent' })).toContainText(E2E_ADMIN_EMAIL);
  await expect(admin.getByTestId('idempotency-keys')).toContainText(`refund:${paid.paymentId}:`);

  // A double click sends the form twice with one request id: one refund at the provider.
  await refund(admin, '5.00', { click: 'twice' });
  await expect(admin.getByTestId('refund-remaining')).toHaveText('$21.00');
  expect((await refundsAtProvider(paid.intentId)).map((each) => each.amount).sort()).toEqual([1000, 500]);
  await admin.reload();
  await expect(admin.getByTestId('refund-requests').getByTestId('refund-request-sent')).toHaveCount(2);
  await admin.context().close();
});

test('a refund above the approval threshold waits for a second admin, who approves it; the requester cannot, and may withdraw it', async ({ page, browser }) => {
  // Two pens: $128.00, above the run's threshold of $100.00 (playwright.config.ts).
  const paid = await paidByCard(page, 'Brass Fountain Pen', 2);

  const admin = await adminBrowser(browser);
  await admin.goto(`/admin/transactions/${paid.paymentId}`);
  await refund(admin, '120.00', { note: 'Order canceled by phone' });
  await expect(admin.getByTestId('refund-message')).toHaveText('Refund requested: it waits for a second admin’s approval.');
  const requests = admin.getByTestId('refund-requests');
  const waiting = requests.getByTestId('refund-request-awaiting_approval');
  await expect(waiting).toContainText('Waiting for another admin');
  await expect(waiting.getByRole('button', { name: 'Approve and send' })).toHaveCount(0);
  // What waits for approval is held back: only $8.00 is left for another refund.
  await expect(admin.getByTestId('refund-remaining')).toHaveText('$8.00');
  // The requester may take it back (a typo, a change of mind) and ask again.
  await waiting.getByRole('button', { name: 'Withdraw' }).click();
  await expect(requests.getByTestId('refund-request-withdrawn')).toBeVisible();
  await expect(admin.getByTestId('refund-remaining')).toHaveText('$128.00');
  await refund(admin, '120.00', { note: 'Order canceled by phone' });
  await expect(requests.getByTestId('refund-request-awaiting_approval')).toContainText('Waiting for another admin');
  expect(await refundsAtProvider(paid.intentId)).toEqual([]);

  const second = await newTeamMember(browser, 'admin');
  await second.page.goto(`/admin/transactions/${paid.paymentId}`);
  const theirs = second.page.getByTestId('refund-requests').getByTestId('refund-request-awaiting_approval');
  await theirs.getByRole('button', { name: 'Approve and send' }).click();
  await expect(second.page.getByTestId('refund-requests').getByTestId('refund-request-sent')).toContainText(second.email);
  expect((await refundsAtProvider(paid.intentId)).map((each) => each.amount)).toEqual([12000]);
  await expect(second.page.getByTestId('payment-timeline').getByTestId('timeline-admin').filter({ hasText: 'refund.approved' })).toContainText(second.email);

  await admin.context().close();
  await second.page.context().close();
});

test('two admins refunding the same payment at once never refund more than was captured', async ({ page, browser }) => {
  const paid = await paidByCard(page, 'Field Notebook', 2);
  const first = await adminBrowser(browser);
  const second = await newTeamMember(browser, 'admin');
  for (const admin of [first, second.page]) {
    await admin.goto(`/admin/transactions/${paid.paymentId}`);
    await expect(admin.getByTestId('refund-remaining')).toHaveText('$36.00');
    await admin.getByTestId('refund-form').getByLabel(/^Amount/).fill('30.00');
  }
  // Both press Refund together: the payment's lock serves one after the other.
  await Promise.all([first, second.page].map((admin) => admin.getByTestId('refund-form').getByRole('button', { name: 'Refund' }).click()));
  const messages = await Promise.all(
    [first, second.page].map(async (admin) => {
      const message = admin.getByTestId('refund-message');
      await expect(message).toHaveText(/Refund sent|At most/);
      return message.textContent();
    }),
  );
  expect(messages.sort()).toEqual([
    'At most $6.00 is left to refund on this payment (captured, less refunds made, pending or awaiting approval).',
    'Refund sent. It shows as Refunded once the provider confirms it.',
  ]);
  expect((await refundsAtProvider(paid.intentId)).map((each) => each.amount)).toEqual([3000]);
  await first.context().close();
  await second.page.context().close();
});

test('a staff member who asked for 30 refunds in an hour is told to wait on the next, nothing more is refunded, and another admin still can', async ({ page, browser, baseURL }) => {
  test.setTimeout(180_000);
  const paid = await paidByCard(page, 'Field Notebook', 1);
  const refunder = await newTeamMember(browser, 'admin');
  const paymentPage = `/admin/transactions/${paid.paymentId}`;
  // Thirty one-cent refunds, as a stolen session would send them in a loop: the form's own action.
  const refundPayment = actionsUnder('(admin)').find((action) => action.exportedName === 'refundPayment')!;
  for (let i = 0; i < 30; i++) {
    const input = { paymentId: paid.paymentId, requestId: crypto.randomUUID(), currency: 'USD', amount: '0.01', reason: 'requested_by_customer' };
    const sent = await callAction(refunder.page.context().request, baseURL!, paymentPage, refundPayment.id, [input]);
    expect(sent.body, `refund ${i + 1}`).toContain('"outcome":"sent"');
  }

  await refunder.page.goto(paymentPage);
  await expect(refunder.page.getByTestId('refund-remaining')).toHaveText('$17.70');
  await refund(refunder.page, '1.00');
  await expect(refunder.page.getByTestId('refund-message')).toHaveText('You have asked for many refunds in a short time. Wait a while, or ask another admin to send this one.');
  expect(await refunder.page.getByTestId('refund-message').getAttribute('role')).toBe('alert');
  expect(await refundsAtProvider(paid.intentId)).toHaveLength(30);

  // The limit is the staff member's, not the payment's.
  const other = await adminBrowser(browser);
  await other.goto(paymentPage);
  await refund(other, '1.00');
  await expect(other.getByTestId('refund-message')).toHaveText('Refund sent. It shows as Refunded once the provider confirms it.');
  expect((await refundsAtProvider(paid.intentId)).map((each) => each.amount).sort((a, b) => b - a)[0]).toBe(100);
  await other.context().close();
  await refunder.page.context().close();
});

test('support sees a payment’s page without the refund form', async ({ page, browser }) => {
  const paid = await paidByCard(page, 'Field Notebook', 1);
  const support = await newTeamMember(browser, 'support');
  await support.page.goto(`/admin/transactions/${paid.paymentId}`);
  await expect(support.page.getByTestId('amount-captured')).toHaveText('$18.00');
  await expect(support.page.getByTestId('payment-timeline')).toBeVisible();
  await expect(support.page.getByTestId('refund-form')).toHaveCount(0);
  await support.page.context().close();
});

test('a payment page for an unknown or malformed id is not found', async ({ browser, expectConsoleError }) => {
  expectConsoleError(resourceFailedWith(404));
  const admin = await adminBrowser(browser);
  for (const id of [crypto.randomUUID(), 'not-a-payment']) {
    const response = await admin.goto(`/admin/transactions/${id}`);
    expect(response?.status()).toBe(404);
  }
  await admin.context().close();
});
