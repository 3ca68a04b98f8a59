import { describe, expect, it } from 'vitest';
import { AuthorizationError } from './errors';
import { assertCan, can, PERMISSIONS } from './roles';

describe('roles', () => {
  it('lets an admin do everything the console offers', () => {
    for (const permission of PERMISSIONS) expect(can({ role: 'admin' }, permission), permission).toBe(true);
  });

  it('lets support read the console and change nothing', () => {
    expect(can({ role: 'support' }, 'console.read')).toBe(true);
    for (const permission of PERMISSIONS.filter((each) => each !== 'console.read')) {
      expect(can({ role: 'support' }, permission), permission).toBe(false);
    }
  });

  it('gives a customer nothing in the console', () => {
    for (const permission of PERMISSIONS) expect(can({ role: 'customer' }, permission), permission).toBe(false);
  });

  it('refuses with a forbidden AuthorizationError', () => {
    expect(() => assertCan({ role: 'support' }, 'payments.refund')).toThrow(AuthorizationError);
    expect(() => assertCan({ role: 'admin' }, 'payments.refund')).not.toThrow();
  });
});
