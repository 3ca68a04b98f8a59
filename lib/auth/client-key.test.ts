import { describe, expect, it } from 'vitest';
import { clientKeyFromHeaders } from './client-key';

describe('client key for rate limits', () => {
  it('uses the hop the nearest proxy appended, not the one the client wrote', () => {
    expect(clientKeyFromHeaders(new Headers({ 'x-forwarded-for': '6.6.6.6, 203.0.113.9' }))).toBe('203.0.113.9');
  });

  it('falls back to X-Real-IP, then to one shared key', () => {
    expect(clientKeyFromHeaders(new Headers({ 'x-real-ip': '198.51.100.7' }))).toBe('198.51.100.7');
    expect(clientKeyFromHeaders(new Headers())).toBe('unknown');
  });
});
