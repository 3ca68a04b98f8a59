import { ApiError, TransactionSearchController } from '@paypal/paypal-server-sdk';
import { describe, expect, it } from 'vitest';
import { insertCapture, openDispute } from './hooks-support';
import { expectMatchesPaypalSpec } from './openapi';
import { paypalSandbox } from './support';

/**
 * Transaction Search (`GET /v1/reporting/transactions`) through PayPal's own server SDK, whose
 * every answer is checked against PayPal's specification (support.ts): the money movements of a
 * window, paged, and the windows PayPal refuses.
 */

const t = paypalSandbox();
const search = () => new TransactionSearchController(t.client);

/** A window around now, as the search takes it: seconds required. */
function around(now = Date.now()) {
  return { startDate: new Date(now - 60 * 60_000).toISOString(), endDate: new Date(now + 60_000).toISOString() };
}

describe('PayPal transaction search', () => {
  it('lists captures, a refund and the hold of a dispute, each naming the capture or order and carrying the merchant’s custom field', async () => {
    const customId = `search-${crypto.randomUUID()}`;
    const capture = await insertCapture(t, { value: '30.00', customId });
    const disputed = await insertCapture(t, { value: '12.00', customId });
    const refunded = await t.rest<{ id: string }>('POST', `/v2/payments/captures/${capture.id}/refund`, { amount: { currency_code: 'USD', value: '5.00' } });
    expect(refunded.status).toBe(201);
    await openDispute(t, { capture_id: disputed.id, reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED' });

    const { result } = await search().searchTransactions({ ...around(), fields: 'all', pageSize: 500 });

    const ours = (result.transactionDetails ?? []).map((detail) => detail.transactionInfo!).filter((info) => info.customField === customId);
    expect(ours.map((info) => info.transactionEventCode)).toEqual(['T0006', 'T0006', 'T1107', 'T1110']);
    const [paid, , refund, hold] = ours;
    expect(paid).toMatchObject({ transactionId: capture.id, paypalReferenceId: capture.internal.orderId, paypalReferenceIdType: 'ODR', transactionAmount: { currencyCode: 'USD', value: '30.00' }, transactionStatus: 'S' });
    expect(refund).toMatchObject({ transactionId: refunded.body.id, paypalReferenceId: capture.id, paypalReferenceIdType: 'TXN', transactionAmount: { currencyCode: 'USD', value: '-5.00' }, transactionStatus: 'S' });
    expect(hold).toMatchObject({ paypalReferenceId: disputed.id, paypalReferenceIdType: 'TXN', transactionAmount: { currencyCode: 'USD', value: '-12.00' } });
  });

  it('pages through the window: page_size transactions a page, total_pages, and every transaction exactly once', async () => {
    const customId = `paged-${crypto.randomUUID()}`;
    const captures = [];
    for (let i = 0; i < 3; i += 1) captures.push((await insertCapture(t, { value: `1${i}.00`, customId })).id);
    const window = around();
    const everything = (await search().searchTransactions({ ...window, pageSize: 500 })).result.totalItems ?? 0;
    expect(everything).toBeGreaterThanOrEqual(3);

    const seen: string[] = [];
    let page = 1;
    let totalPages = 0;
    do {
      const { result } = await search().searchTransactions({ ...window, pageSize: 2, page });
      expect(result.page).toBe(page);
      expect(result.transactionDetails!.length).toBeLessThanOrEqual(2);
      totalPages = result.totalPages!;
      seen.push(...result.transactionDetails!.map((detail) => detail.transactionInfo!.transactionId!));
      page += 1;
    } while (page <= totalPages);

    expect(totalPages).toBe(Math.ceil(everything / 2));
    expect(totalPages).toBeGreaterThan(1);
    expect(seen).toHaveLength(everything);
    expect(new Set(seen).size).toBe(everything);
    expect(seen).toEqual(expect.arrayContaining(captures));
  });

  it('refuses a window longer than 31 days as PayPal does: 400 INVALID_REQUEST naming the end date', async () => {
    const now = Date.now();
    const request = search().searchTransactions({ startDate: new Date(now - 32 * 86_400_000).toISOString(), endDate: new Date(now).toISOString() });

    const error = await request.then(
      () => null,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(ApiError);
    const refusal = error as ApiError;
    expect(refusal.statusCode).toBe(400);
    const body = JSON.parse(refusal.body as string) as { name: string; details: { field: string; location: string; issue: string }[] };
    expect(body).toMatchObject({ name: 'INVALID_REQUEST', details: [{ field: 'end_date', location: 'query', issue: 'Date range is greater than 31 days' }] });
  });

  it('takes a window of exactly 31 days, and refuses one that ends before it starts or a date without seconds', async () => {
    const now = Date.now();
    const exactly = await search().searchTransactions({ startDate: new Date(now - 31 * 86_400_000).toISOString(), endDate: new Date(now).toISOString() });
    expect(exactly.statusCode).toBe(200);

    const backwards = await t.rest<{ details: { issue: string }[] }>('GET', `/v1/reporting/transactions?start_date=${new Date(now).toISOString()}&end_date=${new Date(now - 60_000).toISOString()}`);
    expect(backwards.status).toBe(400);
    expectMatchesPaypalSpec('GET', '/v1/reporting/transactions', backwards.status, backwards.body);
    expect(backwards.body.details[0]?.issue).toBe('End date must be after start date');

    const noSeconds = await t.rest<{ name: string; details: { field: string; issue: string }[] }>('GET', '/v1/reporting/transactions?start_date=2026-12-01T10:00Z&end_date=2026-12-02T10:00:00Z');
    expect(noSeconds.status).toBe(400);
    expect(noSeconds.body).toMatchObject({ name: 'INVALID_REQUEST', details: [{ field: '/start_date', issue: 'INVALID_PARAMETER_SYNTAX' }] });

    const missing = await t.rest<{ details: { field: string; issue: string }[] }>('GET', '/v1/reporting/transactions?end_date=2026-12-02T10:00:00Z');
    expect(missing.status).toBe(400);
    expect(missing.body.details).toEqual([expect.objectContaining({ field: '/start_date', issue: 'MISSING_REQUIRED_PARAMETER' })]);
  });

  it('refuses a page larger than PayPal’s 500', async () => {
    const { startDate, endDate } = around();
    const reply = await t.rest<{ details: { field: string; issue: string }[] }>('GET', `/v1/reporting/transactions?start_date=${startDate}&end_date=${endDate}&page_size=501`);
    expect(reply.status).toBe(400);
    expect(reply.body.details).toEqual([expect.objectContaining({ field: '/page_size', issue: 'INVALID_PARAMETER_VALUE' })]);
  });
});
