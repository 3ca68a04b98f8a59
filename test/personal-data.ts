import { sql } from 'drizzle-orm';
import type { Database } from '@/db/client';
import {
  accounts,
  auditLog,
  customers,
  disputes,
  emails,
  invoices,
  orderItems,
  orders,
  payments,
  prices,
  products,
  rateLimits,
  refundRequests,
  refunds,
  sessions,
  subscriptions,
  users,
  verificationTokens,
  webhookEvents,
} from '@/db/schema';

/**
 * A person with a bit of everything Billfold can hold about someone: an account with an OAuth
 * link and a session, a card customer and a PayPal guest customer, a paid and refunded order and
 * a guest order, a dispute, an ended subscription with its invoice, emails, provider events with
 * their name and address in the payload, and audit entries. Everything personal carries `tag`,
 * so a test can search the whole database for what is left of them.
 */
export interface SeededPerson {
  tag: string;
  email: string;
  name: string;
  street: string;
  userId: string;
  orderIds: string[];
  paymentIds: string[];
  providerCustomerIds: string[];
  sessionToken: string;
  accessToken: string;
  subscriptionId: string;
}

export async function seedPerson(db: Database, options: { subscriptionStatus?: 'active' | 'canceled'; role?: 'customer' | 'admin' } = {}): Promise<SeededPerson> {
  const tag = crypto.randomUUID().slice(0, 8);
  const email = `ada.${tag}@example.com`;
  const name = `Ada Lovelace-${tag}`;
  const street = `${tag} Analytical Street`;
  const sessionToken = `session-${tag}`;
  const accessToken = `gho_${tag}secret`;

  const [user] = await db.insert(users).values({ email, name, image: `https://avatars.example.com/${tag}.png`, passwordHash: `$argon2id$v=19$m=19456,t=2,p=1$${tag}`, role: options.role ?? 'customer' }).returning();
  const userId = user!.id;
  await db.insert(accounts).values({ userId, type: 'oauth', provider: 'github', providerAccountId: `gh-${tag}`, access_token: accessToken, scope: 'read:user' });
  await db.insert(sessions).values({ sessionToken, userId, expires: new Date(Date.now() + 86_400_000) });
  await db.insert(verificationTokens).values({ identifier: email, token: `verify-${tag}`, expires: new Date(Date.now() + 3_600_000) });
  await db.insert(rateLimits).values({ key: `sign-in:account:${email}`, windowStart: new Date(), count: 2 });

  const [product] = await db.insert(products).values({ slug: `plan-${tag}`, name: `Pro ${tag}`, kind: 'plan' }).returning();
  const [price] = await db
    .insert(prices)
    .values({ productId: product!.id, lookupKey: `pro-${tag}`, amount: 1_500, currency: 'EUR', type: 'recurring', interval: 'month' })
    .returning();

  const [cardCustomer] = await db.insert(customers).values({ userId, email, provider: 'stripe', providerCustomerId: `cus_${tag}` }).returning();
  // As a guest, before signing up, with the address typed in capitals: still them.
  const [guestCustomer] = await db.insert(customers).values({ email: email.toUpperCase(), provider: 'paypal', providerCustomerId: `PAYER${tag}` }).returning();

  const [order] = await db
    .insert(orders)
    .values({ userId, customerId: cardCustomer!.id, email, status: 'partially_refunded', currency: 'EUR', amountSubtotal: 5_000, amountTotal: 5_000, paidAt: new Date() })
    .returning();
  await db.insert(orderItems).values({ orderId: order!.id, priceId: price!.id, description: `Pro ${tag}`, unitAmount: 2_500, quantity: 2, amountTotal: 5_000, currency: 'EUR' });
  const [guestOrder] = await db
    .insert(orders)
    .values({ customerId: guestCustomer!.id, email: email.toUpperCase(), status: 'paid', currency: 'USD', amountSubtotal: 1_999, amountTotal: 1_999, paidAt: new Date() })
    .returning();

  const [cardPayment] = await db
    .insert(payments)
    .values({ orderId: order!.id, provider: 'stripe', providerPaymentId: `pi_${tag}`, status: 'succeeded', currency: 'EUR', amount: 5_000, amountCaptured: 5_000, amountRefunded: 1_000, cardBrand: 'visa', cardLast4: '4242' })
    .returning();
  const [paypalPayment] = await db
    .insert(payments)
    .values({ orderId: guestOrder!.id, provider: 'paypal', providerPaymentId: `PPORDER${tag}`, status: 'succeeded', currency: 'USD', amount: 1_999, amountCaptured: 1_999 })
    .returning();
  await db.insert(refunds).values({ paymentId: cardPayment!.id, provider: 'stripe', providerRefundId: `re_${tag}`, status: 'succeeded', amount: 1_000, currency: 'EUR', reason: 'requested_by_customer' });
  const [staff] = await db.insert(users).values({ email: `staff.${tag}@example.com`, role: 'admin' }).returning();
  await db.insert(refundRequests).values({
    paymentId: cardPayment!.id,
    amount: 1_000,
    currency: 'EUR',
    reason: 'requested_by_customer',
    note: `${name} phoned from ${street}`,
    requestedBy: staff!.id,
    status: 'sent',
    idempotencyKey: `refund:${cardPayment!.id}:${tag}`,
    providerRefundId: `re_${tag}`,
  });
  await db.insert(disputes).values({ paymentId: cardPayment!.id, provider: 'stripe', providerDisputeId: `dp_${tag}`, status: 'won', amount: 500, currency: 'EUR', reason: 'fraudulent' });

  const [subscription] = await db
    .insert(subscriptions)
    .values({
      userId,
      customerId: cardCustomer!.id,
      provider: 'stripe',
      providerSubscriptionId: `sub_${tag}`,
      status: options.subscriptionStatus ?? 'canceled',
      priceId: price!.id,
      providerCreatedAt: new Date(Date.now() - 40 * 86_400_000),
      endedAt: options.subscriptionStatus === 'active' ? null : new Date(),
      paymentMethodBrand: 'visa',
      paymentMethodLast4: '4242',
      paymentMethodEmail: email,
    })
    .returning();
  await db.insert(invoices).values({
    subscriptionId: subscription!.id,
    customerId: cardCustomer!.id,
    provider: 'stripe',
    providerInvoiceId: `in_${tag}`,
    number: `INV-${tag}`,
    status: 'paid',
    currency: 'EUR',
    amountDue: 1_500,
    amountPaid: 1_500,
    providerCreatedAt: new Date(Date.now() - 40 * 86_400_000),
  });

  const [receipt] = await db
    .insert(emails)
    .values({ kind: 'receipt', ref: order!.id, to: email, subject: `Your receipt for order #${order!.number}`, text: `Hello ${name}, thank you.`, html: `<p>Hello ${name}</p>`, status: 'sent', attempts: 1, sentAt: new Date() })
    .returning();
  await db.insert(emails).values({ kind: 'refund', ref: `refund-${tag}`, to: email.toUpperCase(), subject: 'Your refund', text: `Hello ${name}`, status: 'pending', lastError: `550 <${email}> mailbox busy` });

  await db.insert(webhookEvents).values([
    {
      provider: 'stripe',
      eventId: `evt_${tag}`,
      type: 'payment_intent.succeeded',
      providerPaymentId: `pi_${tag}`,
      status: 'processed',
      payload: {
        id: `evt_${tag}`,
        type: 'payment_intent.succeeded',
        data: {
          object: {
            id: `pi_${tag}`,
            amount: 5_000,
            currency: 'eur',
            customer: `cus_${tag}`,
            receipt_email: email,
            description: `Order for ${email}`,
            shipping: { name, phone: '+44 20 7946 0000', address: { line1: street, city: 'London', postal_code: 'N1 9GU', country: 'GB' } },
            payment_method: { billing_details: { name, email, address: { line1: street } }, card: { brand: 'visa', last4: '4242' } },
          },
        },
      },
    },
    {
      provider: 'paypal',
      eventId: `WH-${tag}`,
      type: 'PAYMENT.CAPTURE.COMPLETED',
      status: 'processed',
      // Not yet classified (no provider payment id): found by the payer's address in the payload.
      payload: { id: `WH-${tag}`, resource: { id: `CAPTURE${tag}`, amount: { value: '19.99', currency_code: 'USD' }, payer: { email_address: email.toUpperCase(), name: { given_name: 'Ada', surname: `Lovelace-${tag}` } } } },
    },
  ]);

  await db.insert(auditLog).values([
    { actorKind: 'cli', action: 'user.role_changed', subjectType: 'user', subjectId: userId, data: { from: 'admin', to: 'customer' } },
    { actorKind: 'user', actorUserId: staff!.id, action: 'email.resent', subjectType: 'email', subjectId: receipt!.id, data: { before: { lastError: `550 <${email}> mailbox busy` } } },
  ]);

  return {
    tag,
    email,
    name,
    street,
    userId,
    orderIds: [order!.id, guestOrder!.id],
    paymentIds: [cardPayment!.id, paypalPayment!.id],
    providerCustomerIds: [`cus_${tag}`, `PAYER${tag}`],
    sessionToken,
    accessToken,
    subscriptionId: subscription!.id,
  };
}

/** Every `table.column` of Billfold's schema whose text holds `needle` (any case). */
export async function columnsHolding(db: Database, needle: string): Promise<string[]> {
  const columns = await db.execute<{ table_name: string; column_name: string }>(sql`
    select table_name, column_name from information_schema.columns
    where table_schema = 'public' and data_type in ('text', 'character varying', 'character', 'jsonb', 'json')
    order by table_name, column_name`);
  const found: string[] = [];
  for (const { table_name: table, column_name: column } of columns) {
    const [row] = await db.execute<{ hits: number }>(
      sql`select count(*)::int as hits from ${sql.identifier(table)} where position(${needle.toLowerCase()} in lower(${sql.identifier(column)}::text)) > 0`,
    );
    if (row && row.hits > 0) found.push(`${table}.${column}`);
  }
  return found;
}
