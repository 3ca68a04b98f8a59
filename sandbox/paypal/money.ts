import { z } from 'zod';

/**
 * PayPal's money: `{ currency_code, value }` with the value a decimal string. PayPal's own list
 * of currencies and their decimals is not ISO 4217's: HUF and TWD take no decimals at PayPal
 * although ISO gives them two (developer.paypal.com/api/rest/reference/currency-codes, read
 * December 2026). Sums are kept as integers of the currency's smallest PayPal unit, never floats.
 */

export const PAYPAL_CURRENCY_DECIMALS: Readonly<Record<string, number>> = {
  AUD: 2, BRL: 2, CAD: 2, CNY: 2, CZK: 2, DKK: 2, EUR: 2, HKD: 2, HUF: 0, ILS: 2, JPY: 0, MYR: 2, MXN: 2,
  TWD: 0, NZD: 2, NOK: 2, PHP: 2, PLN: 2, GBP: 2, SGD: 2, SEK: 2, CHF: 2, THB: 2, USD: 2,
};

export interface PaypalMoney {
  currency_code: string;
  value: string;
}

/** The largest value PayPal takes: 10 digits before the point. */
const VALUE = /^(\d{1,10})(?:\.(\d+))?$/;

/**
 * A `{ currency_code, value }` field, checked as PayPal checks it: a currency it supports
 * (CURRENCY_NOT_SUPPORTED), a value with no more decimals than the currency has
 * (DECIMAL_PRECISION, or DECIMALS_NOT_SUPPORTED for JPY, HUF, TWD).
 */
export const PaypalMoneySchema = z
  .object({ currency_code: z.string().regex(/^[A-Z]{3}$/), value: z.string().regex(VALUE) })
  .superRefine((amount, ctx) => {
    const decimals = PAYPAL_CURRENCY_DECIMALS[amount.currency_code];
    if (decimals === undefined) {
      ctx.addIssue({ code: 'custom', path: ['currency_code'], message: 'CURRENCY_NOT_SUPPORTED: Currency code is not currently supported. Please refer https://developer.paypal.com/api/rest/reference/currency-codes/ for list of supported currency codes.' });
      return;
    }
    const fraction = VALUE.exec(amount.value)?.[2] ?? '';
    if (decimals === 0 && fraction.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'DECIMALS_NOT_SUPPORTED: Currency does not support decimals. Please refer to https://developer.paypal.com/api/rest/reference/currency-codes/ for more information.' });
    } else if (fraction.length > decimals) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `DECIMAL_PRECISION: If the currency supports decimals, only ${decimals} decimal place precision is supported.` });
    }
  });

/** "19.99" USD → 1999; "1500" JPY → 1500. The value has been checked by PaypalMoneySchema. */
export function unitsOf({ currency_code, value }: PaypalMoney): number {
  const decimals = PAYPAL_CURRENCY_DECIMALS[currency_code] ?? 2;
  const [, whole = '0', fraction = ''] = VALUE.exec(value) ?? [];
  return Number(`${whole}${fraction.padEnd(decimals, '0')}`);
}

/** 1999 USD → "19.99": the value PayPal writes, always with the currency's own decimals. */
export function paypalMoney(units: number, currency_code: string): PaypalMoney {
  if (!Number.isSafeInteger(units) || units < 0) throw new Error(`paypalMoney: ${units} is not a whole number of units`);
  const decimals = PAYPAL_CURRENCY_DECIMALS[currency_code] ?? 2;
  if (decimals === 0) return { currency_code, value: String(units) };
  const padded = String(units).padStart(decimals + 1, '0');
  return { currency_code, value: `${padded.slice(0, -decimals)}.${padded.slice(-decimals)}` };
}
