import { resourceFailedWith, uniqueEmail } from './support';
import { addToCart, cardFrame, continueToPayment, enterCard, expect, expectConfirmation, intentsFor, orderNumber, payButton, sandbox, test, threeDSecure } from './checkout-support';

/**
 * One journey per family of test-card outcomes that the checkout shows differently
 * (sandbox/stripe/test-cards.ts): an issuer's decline, a processing error, a Radar block and a
 * 3-D Secure 2 challenge.
 */
test.describe.configure({ timeout: 90_000 });

test.describe('what a customer sees for each kind of card outcome', () => {
  const refusals = [
    { card: '4000000000009987', family: 'a lost card', message: 'Your card was declined.', declineCode: 'lost_card' },
    { card: '4000000000000119', family: 'a processing error', message: 'An error occurred while processing your card. Try again in a little bit.', declineCode: 'processing_error' },
    { card: '4100000000000019', family: 'a Radar block', message: 'Your card was declined.', declineCode: 'fraudulent' },
  ];
  for (const { card, family, message, declineCode } of refusals) {
    test(`${family} is refused where the card is entered, the order stays unpaid, and 4242 then pays it`, async ({ page, expectConsoleError }) => {
      expectConsoleError(resourceFailedWith(402)); // the provider refuses the card
      const email = uniqueEmail('outcome');
      await addToCart(page, 'Field Notebook');
      await continueToPayment(page, email);
      const number = await orderNumber(page);

      await enterCard(page, card);
      await payButton(page).click();
      await expect(page.getByTestId('payment-error')).toContainText(message);
      await expect(page.getByTestId('payment-error')).toContainText('You have not been charged.');
      await expect(page).toHaveURL(/\/checkout$/);
      const [refused] = await intentsFor(email);
      expect(refused).toMatchObject({ status: 'requires_payment_method', amount_received: 0, last_payment_error: { decline_code: declineCode } });

      await cardFrame(page).getByLabel('Card number').fill('4242424242424242');
      await payButton(page).click();
      await expectConfirmation(page);
      await expect(page.getByRole('heading', { name: `Order #${number}` })).toBeVisible();
      const intents = await intentsFor(email);
      expect(intents).toHaveLength(1);
      expect(intents[0]).toMatchObject({ status: 'succeeded', amount: 1800 });
      const charges = (await sandbox.charges.list({ payment_intent: intents[0]!.id })).data;
      expect(charges.filter((charge) => charge.paid)).toHaveLength(1);
    });
  }

  test('a 3-D Secure 2 challenge (4000 0000 0000 3220) completed by the customer pays the order', async ({ page }) => {
    const email = uniqueEmail('three-ds2');
    await addToCart(page, 'Field Notebook');
    await continueToPayment(page, email);
    await enterCard(page, '4000000000003220');
    await payButton(page).click();
    await threeDSecure(page).getByRole('button', { name: 'Complete' }).click();
    await expectConfirmation(page);
    const [intent] = await intentsFor(email);
    expect(intent).toMatchObject({ status: 'succeeded', amount: 1800 });
    const charge = await sandbox.charges.retrieve(String(intent!.latest_charge));
    expect(charge.payment_method_details?.card?.three_d_secure?.result).toBe('authenticated');
  });
});
