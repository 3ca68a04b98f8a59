import { describe, expect, it } from 'vitest';
import { signOrderToken, verifyOrderToken } from './order-token';

const SECRET = 'a-secret-that-is-long-enough-for-tests-0123456789';
const ORDER = '2f1e0b6c-8a3d-4c1e-9f7a-0d5b6c7e8f90';

describe('order tokens', () => {
  it('give back the order id they were signed for', () => {
    expect(verifyOrderToken([SECRET], signOrderToken(SECRET, ORDER))).toBe(ORDER);
  });

  it('refuse a bare order id, an altered id or signature, and another secret', () => {
    const token = signOrderToken(SECRET, ORDER);
    const other = '2f1e0b6c-8a3d-4c1e-9f7a-0d5b6c7e8f91';
    expect(verifyOrderToken([SECRET], ORDER)).toBeNull();
    expect(verifyOrderToken([SECRET], token.replace(ORDER, other))).toBeNull();
    expect(verifyOrderToken([SECRET], `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBeNull();
    expect(verifyOrderToken([`${SECRET}!`], token)).toBeNull();
    expect(verifyOrderToken([SECRET], `1001.${token.split('.')[1]}`)).toBeNull();
    expect(verifyOrderToken([SECRET], '')).toBeNull();
    expect(verifyOrderToken([SECRET], null)).toBeNull();
  });

  it('made before an AUTH_SECRET rotation still open while the old secret is listed after the new one, and not once it is removed', () => {
    const NEW = 'the-new-secret-that-is-long-enough-for-tests-0123';
    const sentBefore = signOrderToken(SECRET, ORDER);
    expect(verifyOrderToken([NEW, SECRET], sentBefore)).toBe(ORDER);
    expect(verifyOrderToken([NEW, SECRET], signOrderToken(NEW, ORDER))).toBe(ORDER);
    expect(verifyOrderToken([NEW], sentBefore)).toBeNull();
  });
});
