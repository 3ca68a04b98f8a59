import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubString } from './log';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  const logger = createLogger({ level: 'trace', destination });
  return { logger, output: () => lines.join('') };
}

const PAN = '4242424242424242';

describe('log redaction', () => {
  it('never lets a card number given to the logger reach the output, wherever it is', () => {
    const { logger, output } = capture();
    logger.info({ card: { number: PAN } }, 'card object');
    logger.info({ note: `customer typed ${PAN} into the notes field` }, 'free text');
    logger.info(`message text with 4242 4242 4242 4242 and 4000-0027-6000-3184`);
    logger.warn({ nested: [{ deep: { value: `x${PAN}` } }] }, 'nested');
    logger.error(new Error(`charge failed for ${PAN}`), 'error object');
    logger.info({ payload: { amount: 1999, raw: JSON.stringify({ number: PAN }) } }, 'json string');
    logger.info({ payment_method_details: { cvc: '123', exp_month: 12 } }, 'cvc');
    const text = output();
    expect(text).not.toMatch(/4242\D?4242\D?4242\D?4242/);
    expect(text).not.toContain('4000-0027-6000-3184');
    expect(text).toContain('"cvc":"[redacted]"');
    expect(text).toContain('card…4242'); // the last four stay, as on any receipt
  });

  it('masks secrets, cookies, authorization headers and webhook signatures by key', () => {
    const { logger, output } = capture();
    logger.info(
      {
        headers: { authorization: 'Bearer sk_test_123', cookie: 'authjs.session-token=abc', 'stripe-signature': 't=1,v1=deadbeef' },
        password: 'hunter2hunter2',
        client_secret: 'pi_1_secret_2',
        apiKey: 'k',
      },
      'request',
    );
    const text = output();
    for (const secret of ['sk_test_123', 'authjs.session-token=abc', 'deadbeef', 'hunter2hunter2', 'pi_1_secret_2']) {
      expect(text).not.toContain(secret);
    }
  });

  it('masks provider keys inside any text', () => {
    const { logger, output } = capture();
    logger.info('configured with sk_live_51Habc and whsec_abcDEF123 and Bearer eyJhbGciOi.x.y');
    const text = output();
    expect(text).not.toContain('sk_live_51Habc');
    expect(text).not.toContain('whsec_abcDEF123');
    expect(text).not.toContain('eyJhbGciOi');
  });

  it('masks the password of an SMTP or database URL, keeping the rest readable', () => {
    const { logger, output } = capture();
    logger.info({ smtp: 'smtps://mailer:hunter2-Secret@smtp.example.com:465' }, 'mail configured');
    logger.error(new Error('connect failed for smtp://user:p%40ss%2Fword@127.0.0.1:2525'), 'smtp');
    logger.info('database postgres://billfold:dbpass@db.internal:5432/billfold and postgres://postgres@127.0.0.1:5432/test');
    const text = output();
    for (const secret of ['hunter2-Secret', 'p%40ss%2Fword', 'dbpass']) expect(text).not.toContain(secret);
    expect(text).toContain('smtps://mailer:[redacted]@smtp.example.com:465');
    expect(text).toContain('postgres://postgres@127.0.0.1:5432/test');
  });

  it('keeps ordinary numbers, ids and amounts readable', () => {
    const { logger, output } = capture();
    logger.info({ orderId: 'ord_123', amount: 1999, currency: 'USD', timestamp: 1_700_000_000_000, phone: '1234567890123' }, 'order paid');
    const parsed = JSON.parse(output());
    expect(parsed).toMatchObject({ orderId: 'ord_123', amount: 1999, currency: 'USD', timestamp: 1_700_000_000_000, msg: 'order paid' });
    // 1234567890123 fails the Luhn check, so it is not a card number.
    expect(parsed.phone).toBe('1234567890123');
  });

  it('recognises card numbers by Luhn, not by length alone', () => {
    expect(scrubString('4000000000000002')).not.toContain('4000000000000002');
    expect(scrubString('order 4000000000000003')).toBe('order 4000000000000003');
  });
});
