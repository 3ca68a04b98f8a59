/**
 * Money is an integer count of a currency's minor units plus its ISO 4217 code. Nothing here
 * ever goes through a float: amounts are checked to be safe integers, decimal strings are
 * built and parsed digit by digit.
 */

export interface Money {
  /** Minor units: cents for USD, yen for JPY, fils for KWD. */
  amount: number;
  /** ISO 4217 code, upper case. */
  currency: string;
}

/**
 * ISO 4217 minor-unit exponents that differ from 2. Stripe and PayPal agree with ISO on these
 * for the currencies they support; any other well-formed code has 2.
 */
const EXPONENTS: Readonly<Record<string, number>> = {
  // zero-decimal
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  // three-decimal
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  // four-decimal
  CLF: 4, UYW: 4,
};

export class MoneyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoneyError';
  }
}

/** Returns the upper-case code, or throws for anything that is not three ASCII letters. */
export function normalizeCurrency(currency: string): string {
  const code = currency.toUpperCase();
  if (!/^[A-Z]{3}$/.test(code)) throw new MoneyError(`"${currency}" is not an ISO 4217 currency code`);
  return code;
}

export function currencyExponent(currency: string): number {
  return EXPONENTS[normalizeCurrency(currency)] ?? 2;
}

/** Throws unless `amount` is a safe integer: a float here is always a bug upstream. */
export function assertMinorUnits(amount: number): void {
  if (!Number.isSafeInteger(amount)) {
    throw new MoneyError(`amount must be an integer number of minor units, got ${amount}`);
  }
}

export function money(amount: number, currency: string): Money {
  assertMinorUnits(amount);
  return { amount, currency: normalizeCurrency(currency) };
}

export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) throw new MoneyError(`cannot add ${a.currency} to ${b.currency}`);
  return money(a.amount + b.amount, a.currency);
}

export function multiplyMoney(unit: Money, quantity: number): Money {
  if (!Number.isSafeInteger(quantity)) throw new MoneyError(`quantity must be an integer, got ${quantity}`);
  return money(unit.amount * quantity, unit.currency);
}

/** One formatter per locale and currency: building an Intl.NumberFormat costs some 50 times what using one does, and a console page formats hundreds of amounts. */
const formatters = new Map<string, Intl.NumberFormat>();

function currencyFormatter(locale: string, currency: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    const exponent = currencyExponent(currency);
    formatter = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent });
    formatters.set(key, formatter);
  }
  return formatter;
}

/**
 * Formats with the locale's conventions and the currency's own exponent. The amount is turned
 * into a decimal string first, so Intl never sees a float that is not exactly representable.
 */
export function formatMoney({ amount, currency }: Money, locale = 'en-US'): string {
  const formatter = currencyFormatter(locale, currency);
  // Intl.NumberFormat.format accepts a decimal string (an "Intl mathematical value").
  return formatter.format(toDecimalString({ amount, currency }) as unknown as number);
}

/** 1999 USD → "19.99"; 500 JPY → "500"; 1500 KWD → "1.500"; -5 USD → "-0.05". As PayPal wants it. */
export function toDecimalString({ amount, currency }: Money): string {
  assertMinorUnits(amount);
  const exponent = currencyExponent(currency);
  const negative = amount < 0;
  const digits = String(Math.abs(amount));
  if (exponent === 0) return `${negative ? '-' : ''}${digits}`;
  const padded = digits.padStart(exponent + 1, '0');
  const whole = padded.slice(0, -exponent);
  const fraction = padded.slice(-exponent);
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

export type Rounding = 'reject' | 'half-even' | 'half-up';

/**
 * "19.99" USD → 1999. Extra fraction digits are refused unless a rounding mode is given
 * (PayPal never sends more digits than the currency has; a person typing an amount might).
 */
export function fromDecimalString(value: string, currency: string, rounding: Rounding = 'reject'): Money {
  const code = normalizeCurrency(currency);
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!match) throw new MoneyError(`"${value}" is not a decimal amount`);
  const [, sign, whole = '0', fraction = ''] = match;
  const exponent = currencyExponent(code);
  const kept = fraction.slice(0, exponent).padEnd(exponent, '0');
  const dropped = fraction.slice(exponent);
  let units = BigInt(`${whole}${kept}`);
  if (/[1-9]/.test(dropped)) {
    if (rounding === 'reject') {
      throw new MoneyError(`"${value}" has more decimal places than ${code} allows (${exponent})`);
    }
    // Rounding works on the magnitude, so half-up rounds away from zero.
    const first = Number(dropped[0]);
    const restNonZero = /[1-9]/.test(dropped.slice(1));
    const aboveHalf = first > 5 || (first === 5 && restNonZero);
    const exactlyHalf = first === 5 && !restNonZero;
    if (aboveHalf || (exactlyHalf && (rounding === 'half-up' || units % 2n === 1n))) units += 1n;
  }
  if (units > BigInt(Number.MAX_SAFE_INTEGER)) throw new MoneyError(`"${value}" is too large`);
  const amount = Number(units);
  return { amount: sign && amount !== 0 ? -amount : amount, currency: code };
}
