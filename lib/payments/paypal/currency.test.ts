import { describe, expect, it } from 'vitest';
import { money } from '@/lib/money';
import { fromPaypalAmount, paypalAccepts, paypalDecimals, PaypalCurrencyError, toPaypalAmount } from './currency';

describe('PayPal amounts from Billfold money', () => {
  it('writes USD with two decimals, cents exact', () => {
    expect(toPaypalAmount(money(1999, 'USD'))).toEqual({ currencyCode: 'USD', value: '19.99' });
    expect(toPaypalAmount(money(5, 'usd'))).toEqual({ currencyCode: 'USD', value: '0.05' });
    expect(fromPaypalAmount({ currencyCode: 'USD', value: '19.99' })).toEqual(money(1999, 'USD'));
  });

  it('writes JPY in whole yen, as ISO and PayPal agree', () => {
    expect(paypalDecimals('JPY')).toBe(0);
    expect(toPaypalAmount(money(500, 'JPY'))).toEqual({ currencyCode: 'JPY', value: '500' });
    expect(fromPaypalAmount({ currencyCode: 'JPY', value: '500' })).toEqual(money(500, 'JPY'));
  });

  it('writes HUF in whole forints although Billfold counts fillér (ISO exponent 2), and back', () => {
    expect(paypalDecimals('HUF')).toBe(0);
    expect(toPaypalAmount(money(123_400, 'HUF'))).toEqual({ currencyCode: 'HUF', value: '1234' });
    expect(fromPaypalAmount({ currencyCode: 'HUF', value: '1234' })).toEqual(money(123_400, 'HUF'));
    expect(toPaypalAmount(money(100, 'TWD'))).toEqual({ currencyCode: 'TWD', value: '1' });
  });

  it('refuses a forint amount with fillér instead of rounding it to a price nobody set', () => {
    expect(() => toPaypalAmount(money(123_450, 'HUF'))).toThrow(PaypalCurrencyError);
    expect(() => toPaypalAmount(money(123_450, 'HUF'))).toThrow(/whole units only/);
  });

  it('refuses a PayPal value with more decimals than the currency has, never rounding it', () => {
    expect(() => fromPaypalAmount({ currencyCode: 'USD', value: '19.999' })).toThrow();
    expect(() => fromPaypalAmount({ currencyCode: 'HUF', value: '1234.50' })).toThrow(PaypalCurrencyError);
  });

  it('refuses KWD, which PayPal does not take, and says so for a button that should not be shown', () => {
    expect(paypalAccepts('KWD')).toBe(false);
    expect(paypalAccepts('eur')).toBe(true);
    expect(() => toPaypalAmount(money(1500, 'KWD'))).toThrow(/PayPal does not take payments in KWD/);
  });

  it('refuses negative and non-integer amounts', () => {
    expect(() => toPaypalAmount({ amount: -1, currency: 'USD' })).toThrow(PaypalCurrencyError);
    expect(() => toPaypalAmount({ amount: 19.99, currency: 'USD' })).toThrow();
  });
});
