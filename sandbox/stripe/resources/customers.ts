import type Stripe from 'stripe';
import type { Route } from '../routes';
import { TEST_CLOCK } from '../billing/clock';
import { invalidRequest } from '../errors';
import { emit, previousAttributes } from '../events';
import { newId, nowSeconds } from '../ids';
import { p, parseParams } from '../params';
import { LIST_PARAMS, listObjects, mergeMetadata, mustGet, pathId } from './common';

const ADDRESS = p.object({ line1: p.string(), line2: p.string(), city: p.string(), state: p.string(), postal_code: p.string(), country: p.string() });
const INVOICE_SETTINGS = p.object({ default_payment_method: p.emptyable(p.string()), custom_fields: p.any(), footer: p.any(), rendering_options: p.any() });

const CUSTOMER_FIELDS = {
  email: p.emptyable(p.string({ max: 512 })),
  name: p.emptyable(p.string({ max: 256 })),
  description: p.emptyable(p.string({ max: 350 })),
  phone: p.emptyable(p.string({ max: 20 })),
  metadata: p.metadata(),
  address: p.emptyable(ADDRESS),
  invoice_settings: INVOICE_SETTINGS,
  preferred_locales: p.array(p.string()),
};

export const customerRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/customers',
    async handler(ctx) {
      const params = parseParams({ ...CUSTOMER_FIELDS, payment_method: p.id(), test_clock: p.id() }, ctx.params);
      // A customer on a test clock lives in the clock's time from its creation on.
      const clock = params.test_clock ? await mustGet<Stripe.TestHelpers.TestClock>(ctx, TEST_CLOCK, params.test_clock, 'test_clock', 'test_clock') : null;
      const customer: Stripe.Customer = {
        id: newId('cus'),
        object: 'customer',
        address: params.address ? { city: null, country: null, line1: null, line2: null, postal_code: null, state: null, ...params.address } : null,
        balance: 0,
        created: clock?.frozen_time ?? nowSeconds(),
        currency: null,
        default_source: null,
        delinquent: false,
        description: params.description ?? null,
        email: params.email ?? null,
        invoice_prefix: newId('x').slice(2, 10).toUpperCase(),
        invoice_settings: { custom_fields: null, default_payment_method: params.invoice_settings?.default_payment_method ?? null, footer: null, rendering_options: null },
        livemode: false,
        metadata: mergeMetadata({}, params.metadata),
        name: params.name ?? null,
        next_invoice_sequence: 1,
        phone: params.phone ?? null,
        preferred_locales: params.preferred_locales ?? [],
        shipping: null,
        tax_exempt: 'none',
        test_clock: params.test_clock ?? null,
        customer_account: null,
      };
      await ctx.tx.insert(customer);
      await emit(ctx, 'customer.created', customer);
      return customer;
    },
  },
  {
    method: 'GET',
    path: '/v1/customers/:id',
    async handler(ctx) {
      parseParams({}, ctx.params);
      const id = pathId(ctx);
      const found = await ctx.tx.get<Stripe.DeletedCustomer & { created: number }>('deleted_customer', id);
      if (found) return found;
      return mustGet<Stripe.Customer>(ctx, 'customer', id);
    },
  },
  {
    method: 'POST',
    path: '/v1/customers/:id',
    async handler(ctx) {
      const params = parseParams(CUSTOMER_FIELDS, ctx.params);
      const before = await mustGet<Stripe.Customer>(ctx, 'customer', pathId(ctx), 'customer', 'id', true);
      const after: Stripe.Customer = {
        ...before,
        ...(params.email !== undefined ? { email: params.email } : {}),
        ...(params.name !== undefined ? { name: params.name } : {}),
        ...(params.description !== undefined ? { description: params.description } : {}),
        ...(params.phone !== undefined ? { phone: params.phone } : {}),
        ...(params.preferred_locales !== undefined ? { preferred_locales: params.preferred_locales } : {}),
        ...(params.address !== undefined
          ? { address: params.address ? { city: null, country: null, line1: null, line2: null, postal_code: null, state: null, ...params.address } : null }
          : {}),
        invoice_settings:
          params.invoice_settings?.default_payment_method !== undefined
            ? { ...before.invoice_settings, default_payment_method: params.invoice_settings.default_payment_method }
            : before.invoice_settings,
        metadata: mergeMetadata(before.metadata, params.metadata),
      };
      if (typeof after.invoice_settings.default_payment_method === 'string') {
        const pm = await mustGet<Stripe.PaymentMethod>(ctx, 'payment_method', after.invoice_settings.default_payment_method, 'PaymentMethod', 'invoice_settings[default_payment_method]');
        if (pm.customer !== before.id) {
          throw invalidRequest(
            `The customer does not have a payment method with the ID ${pm.id}. The payment method must be attached to the customer.`,
            'invoice_settings[default_payment_method]',
          );
        }
      }
      await ctx.tx.save(after);
      const changed = previousAttributes(before, after);
      if (Object.keys(changed).length > 0) await emit(ctx, 'customer.updated', after, changed);
      return after;
    },
  },
  {
    method: 'DELETE',
    path: '/v1/customers/:id',
    async handler(ctx) {
      const customer = await mustGet<Stripe.Customer>(ctx, 'customer', pathId(ctx), 'customer', 'id', true);
      const deleted: Stripe.DeletedCustomer = { id: customer.id, object: 'customer', deleted: true };
      // Stripe keeps answering for a deleted customer's id with `deleted: true`.
      await ctx.tx.save({ ...deleted, created: customer.created });
      await ctx.tx.sql`update sandbox.objects set type = 'deleted_customer' where id = ${customer.id}`;
      await emit(ctx, 'customer.deleted', customer);
      return deleted;
    },
  },
  {
    method: 'GET',
    path: '/v1/customers',
    async handler(ctx) {
      const params = parseParams({ ...LIST_PARAMS, email: p.string(), test_clock: p.string() }, ctx.params);
      return listObjects(ctx, 'customer', '/v1/customers', params, { email: params.email, test_clock: params.test_clock });
    },
  },
];
