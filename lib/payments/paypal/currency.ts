import { currencyExponent, money, normalizeCurrency, toDecimalString, fromDecimalString, type Money } from '@/lib/money';

/**
 * PayPal's currencies and its decimals, and the conversion between Billfold's Money (ISO minor
 * units, lib/money.ts) and PayPal's decimal strings. Integer arithmetic only.
 *
 * PayPal differs from ISO 4217 on three currencies: it takes HUF, TWD and JPY in whole units
 * only ("0 decimals"), where ISO gives HUF and TWD two. Billfold keeps ISO minor units
 * everywhere, so 1,000 forints is Money { amount: 100000, currency: 'HUF' } and PayPal's "1000".
 * A forint amount with fillér (not a multiple of 100 minor units) cannot be sent to PayPal
 * exactly; it is refused (PaypalCurrencyError), never rounded, so a price that cannot be
 * charged exactly is caught where it is set rather than charged as something else.
 */

/** PayPal's documented currencies for payments (developer.paypal.com/api/rest/reference/currency-codes/). */
export const PAYPAL_CURRENCIES: readonly string[] = [
  'AUD', 'BRL', 'CAD', 'CNY', 'CZK', 'DKK', 'EUR', 'HKD', 'HUF', 'ILS', 'JPY', 'MYR', 'MXN', 'TWD',
  'NZD', 'NOK', 'PHP', 'PLN', 'GBP', 'SGD', 'SEK', 'CHF', 'THB', 'USD',
];

/** Currencies PayPal takes in whole units only. */
const WHOLE_UNITS_ONLY: readonly string[] = ['HUF', 'JPY', 'TWD'];

export class PaypalCurrencyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PaypalCurrencyError';
  }
}

/** Whether PayPal takes payments in `currency` (a checkout offers no PayPal button otherwise). */
export function paypalAccepts(currency: string): boolean {
  return PAYPAL_CURRENCIES.includes(normalizeCurrency(currency));
}

function assertAccepted(currency: string): string {
  const code = normalizeCurrency(currency);
  if (!PAYPAL_CURRENCIES.includes(code)) throw new PaypalCurrencyError(`PayPal does not take payments in ${code}`);
  return code;
}

/** How many decimals PayPal writes for `currency`: 0 for HUF, JPY and TWD, 2 for the others. */
export function paypalDecimals(currency: string): number {
  return WHOLE_UNITS_ONLY.includes(assertAccepted(currency)) ? 0 : 2;
}

/** How many ISO minor units make one of PayPal's smallest units (100 for HUF and TWD, else 1). */
function minorUnitsPerPaypalUnit(code: string): number {
  return 10 ** (currencyExponent(code) - paypalDecimals(code));
}

/** PayPal's `{ currency_code, value }` for an amount: 1999 USD → "19.99", 500 JPY → "500", 100000 HUF → "1000". */
export function toPaypalAmount(amount: Money): { currencyCode: string; value: string } {
  const code = assertAccepted(amount.currency);
  const checked = money(amount.amount, code);
  if (checked.amount < 0) throw new PaypalCurrencyError(`PayPal amounts are never negative, got ${checked.amount} ${code}`);
  const per = minorUnitsPerPaypalUnit(code);
  if (checked.amount % per !== 0) {
    throw new PaypalCurrencyError(`${toDecimalString(checked)} ${code} cannot be paid with PayPal, which takes ${code} in whole units only`);
  }
  // Written with PayPal's decimals: HUF and TWD drop their ISO exponent's two zeros.
  const value = per === 1 ? toDecimalString(checked) : String(checked.amount / per);
  return { currencyCode: code, value };
}

/** Billfold Money for a PayPal amount: "19.99" USD → 1999, "1000" HUF → 100000. Refuses more decimals than PayPal's. */
export function fromPaypalAmount(amount: { currencyCode: string; value: string }): Money {
  const code = normalizeCurrency(amount.currencyCode);
  const decimals = WHOLE_UNITS_ONLY.includes(code) ? 0 : currencyExponent(code);
  const per = 10 ** (currencyExponent(code) - decimals);
  if (per === 1) return fromDecimalString(amount.value, code);
  // A whole-units currency: the value must be whole, then scaled to ISO minor units exactly.
  if (!/^\d+$/.test(amount.value.trim())) throw new PaypalCurrencyError(`PayPal sent "${amount.value}" ${code}, which PayPal writes in whole units only`);
  return money(Number(amount.value.trim()) * per, code);
}
