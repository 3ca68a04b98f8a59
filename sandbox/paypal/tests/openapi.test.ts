import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectMatchesPaypalSpec, paypalSpecOperations, responseSchemaFor } from './openapi';

const ORDER_ID = '5O190127TN364715T';
const CAPTURE_PATH = `/paypal/v2/checkout/orders/${ORDER_ID}/capture`;

/** The parts of a fixture file these tests read directly: responses, their examples, components/examples. */
interface SpecFileForTests {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { examples?: Record<string, { $ref?: string; value?: unknown }> }> }> }>>;
  components: { examples?: Record<string, { value: unknown }> };
}

const specFiles = new Map<string, SpecFileForTests>();
function readSpec(file: string): SpecFileForTests {
  let spec = specFiles.get(file);
  if (!spec) {
    spec = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'spec', file), 'utf8')) as SpecFileForTests;
    specFiles.set(file, spec);
  }
  return spec;
}

/** A response example as PayPal's own file documents it, `$ref`s to components/examples followed. */
interface DocumentedExample {
  method: string;
  pathTemplate: string;
  status: number;
  name: string;
  value: unknown;
}

function documentedResponseExamples(): DocumentedExample[] {
  return paypalSpecOperations().flatMap(({ method, pathTemplate, file }) => {
    const spec = readSpec(file);
    const responses = spec.paths[pathTemplate]?.[method.toLowerCase()]?.responses ?? {};
    return Object.entries(responses).flatMap(([status, response]) =>
      Object.entries(response.content?.['application/json']?.examples ?? {}).map(([name, example]) => {
        const referenced = example.$ref?.replace('#/components/examples/', '');
        return { method, pathTemplate, status: Number(status), name: referenced ?? name, value: referenced ? spec.components.examples?.[referenced]?.value : example.value };
      }),
    );
  });
}

/** A concrete path for a template, as the emulator would be called. */
const concrete = (pathTemplate: string) => `/paypal${pathTemplate.replace(/\{[^}]+\}/g, 'ABC123DEF456')}`;

/** A captured order as PayPal's capture documentation shows it (return=representation, trimmed). */
function capturedOrder() {
  return {
    id: ORDER_ID,
    intent: 'CAPTURE',
    status: 'COMPLETED',
    payment_source: { paypal: { name: { given_name: 'John', surname: 'Doe' }, email_address: 'customer@example.com', account_id: 'QYR5Z8XDVJNXQ' } },
    purchase_units: [
      {
        reference_id: 'd9f80740-38f0-11e8-b467-0ed5f89f718b',
        amount: { currency_code: 'USD', value: '100.00' },
        payments: {
          captures: [
            {
              id: '3C679366HH908993F',
              status: 'COMPLETED',
              amount: { currency_code: 'USD', value: '100.00' },
              final_capture: true,
              seller_protection: { status: 'ELIGIBLE', dispute_categories: ['ITEM_NOT_RECEIVED', 'UNAUTHORIZED_TRANSACTION'] },
              seller_receivable_breakdown: {
                gross_amount: { currency_code: 'USD', value: '100.00' },
                paypal_fee: { currency_code: 'USD', value: '3.00' },
                net_amount: { currency_code: 'USD', value: '97.00' },
              },
              links: [{ href: 'https://api-m.sandbox.paypal.com/v2/payments/captures/3C679366HH908993F', rel: 'self', method: 'GET' }],
              create_time: '2018-04-01T21:20:49Z',
              update_time: '2018-04-01T21:20:49Z',
            },
          ],
        },
      },
    ],
    payer: { name: { given_name: 'John', surname: 'Doe' }, email_address: 'customer@example.com', payer_id: 'QYR5Z8XDVJNXQ' },
    links: [{ href: `https://api-m.sandbox.paypal.com/v2/checkout/orders/${ORDER_ID}`, rel: 'self', method: 'GET' }],
  };
}

/** PayPal's error body as its REST documentation and live API write it: `details[]`, not `issues[]`. */
const orderNotApproved = {
  name: 'UNPROCESSABLE_ENTITY',
  message: 'The requested action could not be performed, semantically incorrect, or failed business validation.',
  debug_id: '90957fca61718',
  details: [
    {
      issue: 'ORDER_NOT_APPROVED',
      description:
        "Payer has not yet approved the Order for payment. Please redirect the payer to the 'rel':'approve' url returned as part of the HATEOAS links within the Create Order call or provide a valid `payment_source` in the request.",
    },
  ],
  links: [{ href: 'https://developer.paypal.com/docs/api/orders/v2/#error-ORDER_NOT_APPROVED', rel: 'information_link', method: 'GET' }],
};

describe('finding the operation', () => {
  it('matches a concrete order id to its path template, with and without the /paypal mount', () => {
    for (const requestPath of [CAPTURE_PATH, `/v2/checkout/orders/${ORDER_ID}/capture`]) {
      expect(responseSchemaFor('POST', requestPath, 201)).toMatchObject({
        operation: { method: 'POST', pathTemplate: '/v2/checkout/orders/{id}/capture', file: 'checkout_orders_v2.json' },
        response: '201',
        schemaName: '#/components/schemas/order',
      });
    }
  });

  it('ignores the query string, which no path template carries', () => {
    expect(responseSchemaFor('get', '/paypal/v1/billing/plans?product_id=PROD-XXCD1234QWER65782&page_size=2', 200).operation.pathTemplate).toBe('/v1/billing/plans');
  });

  it('compiles one validator per declared response and reuses it for every id', () => {
    expect(responseSchemaFor('POST', '/paypal/v2/checkout/orders/AAA/capture', 201).validate).toBe(responseSchemaFor('POST', '/v2/checkout/orders/BBB/capture', 201).validate);
  });

  it('throws for a path, or a method on a path, that PayPal does not declare, so nothing passes unchecked', () => {
    expect(() => expectMatchesPaypalSpec('POST', `/paypal/v2/checkout/orders/${ORDER_ID}/refund`, 201, {})).toThrow(/declare no path matching/);
    expect(() => expectMatchesPaypalSpec('DELETE', `/paypal/v2/checkout/orders/${ORDER_ID}`, 204, undefined)).toThrow(/declares GET, PATCH for \/v2\/checkout\/orders\/\{id\}, not DELETE/);
    expect(() => expectMatchesPaypalSpec('GET', '/paypalish/v2/checkout/orders', 200, {})).toThrow(/declare no path matching/);
  });

  it('throws for a success status the operation does not declare instead of checking it against PayPal’s default error shape', () => {
    expect(() => expectMatchesPaypalSpec('POST', CAPTURE_PATH, 202, capturedOrder())).toThrow(/declares no response for 202 \(it declares 200, 201, 400, 401, 403, 404, 422, 500, default\)/);
  });

  it('lists every operation of the seven files with the file that declares it, each once', () => {
    const operations = paypalSpecOperations();
    expect(operations).toContainEqual({ method: 'POST', pathTemplate: '/v2/checkout/orders/{id}/capture', file: 'checkout_orders_v2.json', operationId: 'orders.capture' });
    expect(new Set(operations.map(({ file }) => file))).toEqual(
      new Set(['billing_subscriptions_v1.json', 'catalogs_products_v1.json', 'checkout_orders_v2.json', 'customer_disputes_v1.json', 'notifications_webhooks_v1.json', 'payments_payment_v2.json', 'reporting_transactions_v1.json']),
    );
    expect(new Set(operations.map(({ method, pathTemplate }) => `${method} ${pathTemplate}`)).size).toBe(operations.length);
    expect(operations).toHaveLength(68);
  });

  it('compiles every response of every operation, so a contract test never fails on the spec itself', () => {
    let checked = 0;
    for (const { method, pathTemplate, file } of paypalSpecOperations()) {
      for (const key of Object.keys(readSpec(file).paths[pathTemplate]![method.toLowerCase()]!.responses)) {
        const status = key === 'default' ? 599 : Number(key);
        expect(responseSchemaFor(method, concrete(pathTemplate), status).operation.pathTemplate).toBe(pathTemplate);
        checked += 1;
      }
    }
    expect(checked).toBe(364);
  });
});

describe('success bodies', () => {
  it('accepts every response example PayPal’s files document (an order, a plan, a subscription, a revision)', () => {
    const examples = documentedResponseExamples();
    expect(examples.map(({ method, pathTemplate, status, name }) => `${method} ${pathTemplate} ${status} ${name}`).sort()).toEqual([
      'POST /v1/billing/plans 200 plan',
      'POST /v1/billing/subscriptions 200 subscription',
      'POST /v1/billing/subscriptions 201 subscription',
      'POST /v1/billing/subscriptions/{id}/revise 200 subscription_revise_response',
      'POST /v2/checkout/orders 201 order_request_create',
    ]);
    for (const { method, pathTemplate, status, value } of examples) expectMatchesPaypalSpec(method, concrete(pathTemplate), status, value);
  });

  it('accepts a captured order as PayPal documents it', () => {
    expectMatchesPaypalSpec('POST', CAPTURE_PATH, 201, capturedOrder());
    expectMatchesPaypalSpec('GET', `/paypal/v2/checkout/orders/${ORDER_ID}`, 200, capturedOrder());
  });

  it('refuses an order whose amount.value is a number, naming where, since PayPal sends money as a decimal string', () => {
    const order = capturedOrder();
    (order.purchase_units[0]!.amount as { value: unknown }).value = 100;
    expect(() => expectMatchesPaypalSpec('POST', CAPTURE_PATH, 201, order)).toThrow(/\/purchase_units\/0\/amount\/value must be string/);
  });

  it('refuses a capture status PayPal does not list, and names the ones it does', () => {
    const order = capturedOrder();
    order.purchase_units[0]!.payments.captures[0]!.status = 'CAPTURED';
    expect(() => expectMatchesPaypalSpec('POST', CAPTURE_PATH, 201, order)).toThrow(/\/purchase_units\/0\/payments\/captures\/0\/status must be equal to one of the allowed values: \["COMPLETED","DECLINED",/);
  });

  it('refuses a create_time that is not an RFC 3339 timestamp', () => {
    const order = capturedOrder();
    order.purchase_units[0]!.payments.captures[0]!.create_time = '2018-04-01 21:20:49Z';
    expect(() => expectMatchesPaypalSpec('POST', CAPTURE_PATH, 201, order)).toThrow(/\/purchase_units\/0\/payments\/captures\/0\/create_time must match pattern/);
  });

  it('accepts an order or a capture without id and status, because PayPal’s schemas require neither: their presence is for the emulator’s own tests to assert', () => {
    const { id: _id, status: _status, ...order } = capturedOrder();
    expectMatchesPaypalSpec('POST', CAPTURE_PATH, 201, order);
    expectMatchesPaypalSpec('GET', '/paypal/v2/payments/captures/3C679366HH908993F', 200, { amount: { currency_code: 'USD', value: '100.00' } });
  });

  it('refuses money without its currency_code, which PayPal does require', () => {
    expect(() => expectMatchesPaypalSpec('GET', '/paypal/v2/payments/captures/3C679366HH908993F', 200, { id: '3C679366HH908993F', status: 'COMPLETED', amount: { value: '100.00' } })).toThrow(
      /\/amount must have required property 'currency_code'/,
    );
  });

  it('refuses a webhook without event_types, and a listed event type without its name, both required by PayPal', () => {
    const webhook = { id: '0EH40505U7160970P', url: 'https://example.com/example_webhook', event_types: [{ name: 'PAYMENT.CAPTURE.COMPLETED' }], links: [] };
    expectMatchesPaypalSpec('POST', '/paypal/v1/notifications/webhooks', 201, webhook);
    expect(() => expectMatchesPaypalSpec('POST', '/paypal/v1/notifications/webhooks', 201, { id: webhook.id, url: webhook.url })).toThrow(/must have required property 'event_types'/);
    expect(() => expectMatchesPaypalSpec('GET', '/paypal/v1/notifications/webhooks/0EH40505U7160970P', 200, { ...webhook, event_types: [{ description: 'A capture completed.' }] })).toThrow(
      /\/event_types\/0 must have required property 'name'/,
    );
  });

  it('checks a webhook event’s create_time as a JSON-schema date-time and leaves its resource open', () => {
    const event = {
      id: 'WH-2WR32451HC0233532-67976317FL4543714',
      create_time: '2026-12-03T14:00:00.000Z',
      resource_type: 'capture',
      event_type: 'PAYMENT.CAPTURE.COMPLETED',
      summary: 'Payment completed for $ 100.0 USD',
      resource: { id: '3C679366HH908993F', status: 'COMPLETED' },
      links: [{ href: 'https://api-m.sandbox.paypal.com/v1/notifications/webhooks-events/WH-2WR32451HC0233532-67976317FL4543714', rel: 'self', method: 'GET' }],
    };
    expectMatchesPaypalSpec('GET', '/paypal/v1/notifications/webhooks-events/WH-2WR32451HC0233532-67976317FL4543714', 200, event);
    expect(() => expectMatchesPaypalSpec('GET', '/paypal/v1/notifications/webhooks-events/WH-1', 200, { ...event, create_time: 'yesterday' })).toThrow(/\/create_time must match format "date-time"/);
  });

  it('refuses a product type or a dispute status outside PayPal’s lists', () => {
    const product = { id: 'PROD-XXCD1234QWER65782', name: 'Video Streaming Service', type: 'SERVICE', category: 'SOFTWARE', create_time: '2026-12-03T14:00:00Z' };
    expectMatchesPaypalSpec('GET', '/paypal/v1/catalogs/products/PROD-XXCD1234QWER65782', 200, product);
    expect(() => expectMatchesPaypalSpec('GET', '/paypal/v1/catalogs/products/PROD-XXCD1234QWER65782', 200, { ...product, type: 'SUBSCRIPTION' })).toThrow(/\/type must be equal to one of the allowed values/);
    const dispute = { dispute_id: 'PP-D-4012', status: 'OPEN', reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED', dispute_amount: { currency_code: 'USD', value: '100.00' }, dispute_life_cycle_stage: 'INQUIRY', dispute_channel: 'INTERNAL' };
    expectMatchesPaypalSpec('GET', '/paypal/v1/customer/disputes/PP-D-4012', 200, dispute);
    expect(() => expectMatchesPaypalSpec('GET', '/paypal/v1/customer/disputes/PP-D-4012', 200, { ...dispute, status: 'CLOSED' })).toThrow(/\/status must be equal to one of the allowed values/);
  });

  it('refuses a subscription transaction without the id, amount_with_breakdown and time PayPal requires', () => {
    expect(() => expectMatchesPaypalSpec('POST', '/paypal/v1/billing/subscriptions/I-BW452GLLEP1G/capture', 200, { status: 'COMPLETED', id: '5EB26424TV8213426' })).toThrow(
      /must have required property 'amount_with_breakdown'/,
    );
  });
});

describe('bodiless responses', () => {
  it('accepts an empty 204 and refuses a body where PayPal declares none', () => {
    expectMatchesPaypalSpec('PATCH', `/paypal/v2/checkout/orders/${ORDER_ID}`, 204, '');
    expectMatchesPaypalSpec('POST', '/paypal/v1/billing/subscriptions/I-BW452GLLEP1G/cancel', 204, undefined);
    expect(() => expectMatchesPaypalSpec('PATCH', `/paypal/v2/checkout/orders/${ORDER_ID}`, 204, { id: ORDER_ID })).toThrow(/response 204 declares no body/);
  });
});

describe('error bodies', () => {
  it('accepts a 422 capture refusal in PayPal’s live shape, with details[].issue', () => {
    expectMatchesPaypalSpec('POST', CAPTURE_PATH, 422, orderNotApproved);
  });

  it('refuses a 422 whose name or message is not the one PayPal’s spec fixes for 422', () => {
    expect(() => expectMatchesPaypalSpec('POST', CAPTURE_PATH, 422, { ...orderNotApproved, name: 'INVALID_REQUEST' })).toThrow(/\/name must be equal to one of the allowed values: \["UNPROCESSABLE_ENTITY"\]/);
    expect(() => expectMatchesPaypalSpec('POST', CAPTURE_PATH, 422, { ...orderNotApproved, message: 'Order not approved.' })).toThrow(/\/message must be equal to one of the allowed values/);
  });

  it('checks an orders error’s issue codes, and their descriptions word for word, only under issues[], the spec’s name for what PayPal sends as details[]', () => {
    expectMatchesPaypalSpec('POST', CAPTURE_PATH, 422, { ...orderNotApproved, details: [{ issue: 'NOT_A_PAYPAL_ISSUE' }] });
    expectMatchesPaypalSpec('POST', CAPTURE_PATH, 422, { ...orderNotApproved, issues: orderNotApproved.details });
    expect(() => expectMatchesPaypalSpec('POST', CAPTURE_PATH, 422, { ...orderNotApproved, issues: [{ issue: 'NOT_A_PAYPAL_ISSUE' }] })).toThrow(
      /\/issues\/0\/issue must be equal to one of the allowed values: \[.*"ORDER_NOT_APPROVED",.*"TRANSACTION_REFUSED",/,
    );
    expect(() => expectMatchesPaypalSpec('POST', CAPTURE_PATH, 422, { ...orderNotApproved, issues: [{ issue: 'ORDER_NOT_APPROVED', description: 'Payer has not yet approved the Order.' }] })).toThrow(
      /\/issues\/0\/description must be equal to one of the allowed values/,
    );
  });

  it('requires name, message, debug_id and details[].issue in a disputes 422, whose spec names the array details', () => {
    const refused = { name: 'UNPROCESSABLE_ENTITY', message: 'The requested action could not be performed.', debug_id: 'f0bb2d8f7d6f5', details: [{ issue: 'DISPUTE_NOT_IN_VALID_STATE', description: 'The dispute is not in a valid state.' }] };
    expectMatchesPaypalSpec('POST', '/paypal/v1/customer/disputes/PP-D-4012/make-offer', 422, refused);
    expect(() => expectMatchesPaypalSpec('POST', '/paypal/v1/customer/disputes/PP-D-4012/make-offer', 422, { ...refused, details: [{ description: 'no issue' }] })).toThrow(/\/details\/0 must have required property 'issue'/);
    const { debug_id: _debugId, ...withoutDebugId } = refused;
    expect(() => expectMatchesPaypalSpec('POST', '/paypal/v1/customer/disputes/PP-D-4012/make-offer', 422, withoutDebugId)).toThrow(/must have required property 'debug_id'/);
  });

  it('accepts a 404 for an unknown order with the INVALID_RESOURCE_ID issue', () => {
    expectMatchesPaypalSpec('GET', '/paypal/v2/checkout/orders/NOPE', 404, {
      name: 'RESOURCE_NOT_FOUND',
      message: 'The specified resource does not exist.',
      debug_id: '90957fca61718',
      details: [{ field: 'order_id', value: 'NOPE', location: 'path', issue: 'INVALID_RESOURCE_ID', description: 'Specified resource ID does not exist. Please check the resource ID and try again.' }],
    });
  });

  it('checks an error status the operation leaves to default against PayPal’s error shapes', () => {
    expect(responseSchemaFor('GET', '/paypal/v1/notifications/webhooks', 401)).toMatchObject({ response: 'default', schemaName: '#/components/schemas/error_default' });
    expectMatchesPaypalSpec('GET', '/paypal/v1/notifications/webhooks', 401, {
      name: 'AUTHENTICATION_FAILURE',
      message: 'Authentication failed due to missing authorization header, or invalid authentication credentials.',
      debug_id: '90957fca61718',
    });
    expect(() => expectMatchesPaypalSpec('GET', '/paypal/v1/notifications/webhooks', 401, { name: 'UNAUTHORIZED', message: 'No.' })).toThrow(/response default \(for 401\)/);
  });

  it('records where Transaction Search’s spec and live PayPal disagree: an empty page, and a subscription’s I-… id as the reference of its payments', () => {
    const search = '/paypal/v1/reporting/transactions?start_date=2026-12-01T00:00:00Z&end_date=2026-12-02T00:00:00Z';
    const sale = { transaction_id: '5TY05013RG002845M', paypal_reference_id: 'I-BW452GLLEP1G', paypal_reference_id_type: 'SUB', transaction_event_code: 'T0002', transaction_amount: { currency_code: 'USD', value: '9.00' } };
    // The spec wants at least one transaction and an alphanumeric reference; PayPal answers an
    // empty window with `transaction_details: []` and names a subscription by its `I-` id, as
    // the stand-in does. Neither is sent through the contract-checked clients in these tests.
    expect(() => expectMatchesPaypalSpec('GET', search, 200, { transaction_details: [], page: 1, total_items: 0, total_pages: 0 })).toThrow(/transaction_details must NOT have fewer than 1 items/);
    expect(() => expectMatchesPaypalSpec('GET', search, 200, { transaction_details: [{ transaction_info: sale }], page: 1, total_items: 1, total_pages: 1 })).toThrow(/paypal_reference_id must match pattern/);
    expectMatchesPaypalSpec('GET', search, 200, { transaction_details: [{ transaction_info: { ...sale, paypal_reference_id: 'BW452GLLEP1G' } }], page: 1, total_items: 1, total_pages: 1 });
  });
});
