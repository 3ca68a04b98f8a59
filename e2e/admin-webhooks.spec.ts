import type { Page } from '@playwright/test';
import { adminBrowser, newTeamMember } from './admin-support';
import { addToCart, armProviderFault, continueToPayment, endProviderFaults, enterCard, expect, expectConfirmation, intentsFor, payButton, sandbox, test } from './checkout-support';
import { PHONE_WIDTH } from './phone-support';
import { uniqueEmail } from './support';

// The e2e server retries a failed event every second (WEBHOOK_RETRY_FIXED_DELAY_SECONDS in
// playwright.config.ts) instead of with backoff over minutes: the same eight attempts, so an
// event dies within this journey.
test.describe.configure({ timeout: 180_000 });

/** The provider's id of the event of this type about this PaymentIntent, once the provider has sent it. */
async function providerEventId(type: 'charge.refunded' | 'refund.created', paymentIntentId: string): Promise<string> {
  let found: string | undefined;
  await expect(async () => {
    const events = await sandbox.events.list({ type, limit: 100 });
    found = events.data.find((event) => {
      const object = event.data.object as { payment_intent?: unknown };
      return object.payment_intent === paymentIntentId;
    })?.id;
    expect(found).toBeDefined();
  }).toPass({ timeout: 15_000 });
  return found!;
}

/** Reloads the webhook console until this event's row shows `status`. */
async function expectEventRow(admin: Page, eventId: string, type: string, status: string, timeout = 90_000) {
  const row = admin.getByTestId(`webhook-event-${eventId}`);
  await expect(async () => {
    await admin.goto(`/admin/webhooks?type=${type}`);
    await expect(row.getByTestId('webhookEvent-status')).toHaveText(status, { timeout: 1_000 });
  }).toPass({ timeout, intervals: [1_000, 2_000] });
  return row;
}

test('an event that died while the provider was failing is re-processed once after the fix, and a support user sees it but cannot', async ({ page, browser }) => {
  // A guest pays by card; the payment's own events are applied as usual.
  const email = uniqueEmail('dead-event');
  await addToCart(page, 'Field Notebook');
  await continueToPayment(page, email);
  await enterCard(page, '4242424242424242');
  await payButton(page).click();
  await expectConfirmation(page);
  const [intent] = await intentsFor(email);

  // The provider then fails every read of this customer's payment (far more often than the
  // worker tries), and the merchant refunds part of it in the provider's own dashboard.
  for (let i = 0; i < 3; i++) await armProviderFault({ email, kind: '500', method: 'GET', path: '/v1/payment_intents/:id', times: 100 });
  await sandbox.refunds.create({ payment_intent: intent!.id, amount: 500 });
  const refundedEvent = await providerEventId('charge.refunded', intent!.id);
  const createdEvent = await providerEventId('refund.created', intent!.id);

  // Every try fails; after the last one the event is dead, and the overview says so.
  const admin = await adminBrowser(browser);
  const row = await expectEventRow(admin, refundedEvent, 'charge.refunded', 'Dead');
  await expectEventRow(admin, createdEvent, 'refund.created', 'Dead');
  await admin.goto('/admin');
  await expect(admin.getByTestId('webhook-health-banner')).toContainText(/webhook events? (is|are) dead/);

  // The event's page: what the provider sent (no credentials), why it failed, what it asks for.
  await admin.goto('/admin/webhooks?type=charge.refunded');
  await row.getByRole('link', { name: 'charge.refunded' }).click();
  await expect(admin.getByTestId('provider-event-id')).toHaveText(refundedEvent);
  await expect(admin.getByTestId('webhookEvent-status')).toHaveText('Dead');
  await expect(admin.getByTestId('event-attempts')).toHaveText('8');
  await expect(admin.getByTestId('event-last-error')).not.toBeEmpty();
  await expect(admin.getByTestId('event-effect')).toHaveText(`Re-read payment ${intent!.id} from the provider and apply its current state.`);
  await expect(admin.getByTestId('event-payload')).toContainText(`"id": "${refundedEvent}"`);
  await expect(admin.getByTestId('event-payload')).not.toContainText('_secret_');
  const eventPage = admin.url();

  // Support reads the same page and has nothing to press.
  const support = await newTeamMember(browser, 'support');
  await support.page.goto(eventPage);
  await expect(support.page.getByTestId('webhookEvent-status')).toHaveText('Dead');
  await expect(support.page.getByRole('button', { name: 'Re-process' })).toHaveCount(0);
  await support.page.goto('/admin/webhooks?status=dead');
  await expect(support.page.getByRole('button', { name: /Re-process/ })).toHaveCount(0);
  await support.page.context().close();

  // The provider is fixed. One click (here two, in a hurry) queues the stored event again.
  await endProviderFaults(email);
  await admin.goto(eventPage);
  await admin.getByRole('button', { name: 'Re-process' }).dblclick();
  await expect(async () => {
    await admin.reload();
    await expect(admin.getByTestId('webhookEvent-status')).toHaveText('Processed', { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  // Applied on its first new try, and recorded once, by whom.
  await expect(admin.getByTestId('event-attempts')).toHaveText('1');
  const audit = admin.getByRole('table', { name: 'Console actions' });
  await expect(audit.getByRole('row').filter({ hasText: 'webhook_event.reprocessed' })).toHaveCount(1);
  await expect(audit).toContainText('admin@billfold.test');

  // The other dead event of the refund, by its type, after the fix.
  await admin.goto('/admin/webhooks');
  const deadType = admin.getByTestId('dead-type-refund.created');
  await deadType.getByRole('button', { name: 'Re-process all' }).click();
  await expect(deadType).toHaveCount(0); // none of the type is dead any more
  await expectEventRow(admin, createdEvent, 'refund.created', 'Processed', 30_000);
  await admin.goto('/admin/audit?action=webhook_event.bulk_reprocessed&subjectType=webhook_event_type&subjectId=stripe:refund.created');
  await expect(admin.getByRole('table', { name: 'Audit log' }).getByRole('row').filter({ hasText: 'webhook_event.bulk_reprocessed' }).first()).toContainText('"count"');

  // On a phone, with these rows in them, the pages fit the screen's width.
  await admin.setViewportSize({ width: PHONE_WIDTH, height: 780 });
  for (const pagePath of ['/admin/webhooks', eventPage, `/admin/emails?to=${encodeURIComponent(email)}`, '/admin/audit']) {
    await admin.goto(pagePath);
    await expect(admin.getByRole('heading', { level: 1 })).toBeVisible();
    expect(await admin.evaluate(() => document.documentElement.scrollWidth), pagePath).toBeLessThanOrEqual(PHONE_WIDTH);
  }
  await admin.context().close();
});

