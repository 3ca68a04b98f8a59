import { describe, expect, it } from 'vitest';
import { addMoney, currencyExponent, formatMoney, fromDecimalString, money, MoneyError, multiplyMoney, toDecimalString } from './money';

describe('currency exponents', () => {
  it('knows USD has 2, JPY 0 and KWD 3 decimal places', () => {
    expect(currencyExponent('USD')).toBe(2);
    expect(currencyExponent('jpy')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
  });

  it('refuses a currency code that is not three letters', () => {
    expect(() => currencyExponent('US')).toThrow(MoneyError);
    expect(() => currencyExponent('US1')).toThrow(MoneyError);
  });
});

describe('formatting', () => {
  it('formats USD cents with two decimals', () => {
    expect(formatMoney({ amount: 1999, currency: 'USD' })).toBe('$19.99');
    expect(formatMoney({ amount: 5, currency: 'USD' })).toBe('$0.05');
  });

  it('formats JPY without minor units: 500 is ¥500, not ¥5.00', () => {
    expect(formatMoney({ amount: 500, currency: 'JPY' })).toBe('¥500');
    expect(formatMoney({ amount: 1980, currency: 'JPY' })).toBe('¥1,980');
  });

  it('formats KWD with three decimals', () => {
    expect(formatMoney({ amount: 1500, currency: 'KWD' })).toBe('KWD\u00a01.500');
  });

  it('follows the locale for separators and symbol placement', () => {
    expect(formatMoney({ amount: 123456, currency: 'EUR' }, 'de-DE')).toBe('1.234,56\u00a0€');
  });

  it('formats amounts beyond float precision exactly', () => {
    expect(formatMoney({ amount: 9_007_199_254_740_991, currency: 'USD' })).toBe('$90,071,992,547,409.91');
  });

  it('refuses a float amount', () => {
    expect(() => formatMoney({ amount: 19.99, currency: 'USD' })).toThrow(MoneyError);
  });
});

describe('PayPal decimal strings', () => {
  it('converts minor units to the currency’s decimal string', () => {
    expect(toDecimalString({ amount: 1999, currency: 'USD' })).toBe('19.99');
    expect(toDecimalString({ amount: 5, currency: 'USD' })).toBe('0.05');
    expect(toDecimalString({ amount: 0, currency: 'USD' })).toBe('0.00');
    expect(toDecimalString({ amount: 500, currency: 'JPY' })).toBe('500');
    expect(toDecimalString({ amount: 1500, currency: 'KWD' })).toBe('1.500');
    expect(toDecimalString({ amount: -250, currency: 'USD' })).toBe('-2.50');
  });

  it('parses decimal strings back to minor units without floats', () => {
    expect(fromDecimalString('19.99', 'USD')).toEqual({ amount: 1999, currency: 'USD' });
    expect(fromDecimalString('0.1', 'USD')).toEqual({ amount: 10, currency: 'USD' });
    expect(fromDecimalString('500', 'JPY')).toEqual({ amount: 500, currency: 'JPY' });
    expect(fromDecimalString('1.5', 'KWD')).toEqual({ amount: 1500, currency: 'KWD' });
    expect(fromDecimalString('-2.50', 'usd')).toEqual({ amount: -250, currency: 'USD' });
    // 0.1 + 0.2 style float traps do not apply: the digits are read as digits.
    expect(fromDecimalString('1.005', 'KWD').amount).toBe(1005);
  });

  it('round-trips every amount through the decimal string', () => {
    for (const currency of ['USD', 'JPY', 'KWD']) {
      for (const amount of [0, 1, 9, 10, 99, 100, 101, 1999, 123456789, Number.MAX_SAFE_INTEGER]) {
        expect(fromDecimalString(toDecimalString({ amount, currency }), currency).amount).toBe(amount);
      }
    }
  });

  it('refuses more decimal places than the currency has unless asked to round', () => {
    expect(() => fromDecimalString('19.999', 'USD')).toThrow(/more decimal places/);
    expect(() => fromDecimalString('1.5', 'JPY')).toThrow(/more decimal places/);
    expect(fromDecimalString('19.990', 'USD').amount).toBe(1999); // trailing zeros are not precision
  });

  it('rounds half to even, or half up when told', () => {
    expect(fromDecimalString('0.125', 'USD', 'half-even').amount).toBe(12);
    expect(fromDecimalString('0.135', 'USD', 'half-even').amount).toBe(14);
    expect(fromDecimalString('0.125', 'USD', 'half-up').amount).toBe(13);
    expect(fromDecimalString('0.1251', 'USD', 'half-even').amount).toBe(13);
    expect(fromDecimalString('0.124', 'USD', 'half-up').amount).toBe(12);
    expect(fromDecimalString('2.5', 'JPY', 'half-even').amount).toBe(2);
    expect(fromDecimalString('-0.125', 'USD', 'half-up').amount).toBe(-13);
  });

  it('refuses text that is not a plain decimal', () => {
    for (const bad of ['', '1e3', '1,000.00', '$5', '.5', '5.', 'NaN', '0x10']) {
      expect(() => fromDecimalString(bad, 'USD')).toThrow(MoneyError);
    }
  });
});

describe('arithmetic', () => {
  it('adds and multiplies in minor units', () => {
    expect(addMoney(money(1800, 'USD'), money(6400, 'USD'))).toEqual({ amount: 8200, currency: 'USD' });
    expect(multiplyMoney(money(1980, 'JPY'), 3)).toEqual({ amount: 5940, currency: 'JPY' });
  });

  it('refuses to add different currencies', () => {
    expect(() => addMoney(money(100, 'USD'), money(100, 'JPY'))).toThrow(/cannot add/);
  });

  it('refuses floats and unsafe integers', () => {
    expect(() => money(0.1, 'USD')).toThrow(MoneyError);
    expect(() => money(Number.MAX_SAFE_INTEGER + 1, 'USD')).toThrow(MoneyError);
    expect(() => multiplyMoney(money(100, 'USD'), 1.5)).toThrow(MoneyError);
    expect(() => multiplyMoney(money(Number.MAX_SAFE_INTEGER, 'USD'), 2)).toThrow(MoneyError);
  });
});
