import { describe, expect, it } from 'vitest';
import { findingSide } from './reconciliation';

/** How the reconciliation console writes one side of a finding. */

const finding = {
  oursAmount: 1500,
  oursCurrency: 'JPY',
  oursStatus: 'succeeded',
  oursRefunded: 0,
  theirsAmount: 1500,
  theirsCurrency: 'JPY',
  theirsStatus: 'succeeded',
  theirsRefunded: 500,
};

describe('a reconciliation finding in the console', () => {
  it('shows a refund drift as both sides’ refunded totals, in the currency’s own exponent (yen have no minor unit)', () => {
    expect(findingSide(finding, 'ours')).toBe('¥1,500 · succeeded · ¥0 refunded');
    expect(findingSide(finding, 'theirs')).toBe('¥1,500 · succeeded · ¥500 refunded');
  });

  it('writes a three-decimal currency with its three decimals', () => {
    const dinars = { ...finding, oursCurrency: 'KWD', theirsCurrency: 'KWD', oursAmount: 12_345, theirsAmount: 12_345, theirsRefunded: 1_500 };
    expect(findingSide(dinars, 'theirs')).toMatch(/^KWD\s12\.345 · succeeded · KWD\s1\.500 refunded$/);
  });

  it('leaves the refunded part out for an object that has none (a subscription, a dispute), and writes a dash for a side with no object', () => {
    const subscription = { ...finding, oursAmount: null, oursCurrency: null, oursRefunded: null, oursStatus: 'active', theirsStatus: null, theirsAmount: null, theirsCurrency: null, theirsRefunded: null };
    expect(findingSide(subscription, 'ours')).toBe('active');
    expect(findingSide(subscription, 'theirs')).toBe('—');
  });
});
