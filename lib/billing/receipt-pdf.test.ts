import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { money } from '@/lib/money';
import { renderReceiptPdf } from './receipt-pdf';
import type { Receipt } from './receipts';

const PAYPAL_RECEIPT: Receipt = {
  invoiceId: '00000000-0000-4000-8000-000000000001',
  number: '8MC585209K746392H',
  paidAt: new Date('2026-12-01T09:30:00Z'),
  email: 'subscriber@example.com',
  planName: 'Starter',
  period: { start: new Date('2026-12-01T00:00:00Z'), end: new Date('2027-01-01T00:00:00Z') },
  amountPaid: money(1234, 'USD'),
  refund: null,
  payment: { kind: 'account', provider: 'paypal', email: 'payer@example.com' },
  provider: 'paypal',
  providerTransactionId: '8MC585209K746392H',
};

/** Byte → character of WinAnsiEncoding where it is not Latin-1 (0x80–0x9F). */
const WIN_ANSI_HIGH: Record<number, string> = {
  0x80: '€', 0x82: '‚', 0x83: 'ƒ', 0x84: '„', 0x85: '…', 0x86: '†', 0x87: '‡', 0x88: 'ˆ', 0x89: '‰', 0x8a: 'Š', 0x8b: '‹', 0x8c: 'Œ', 0x8e: 'Ž',
  0x91: '‘', 0x92: '’', 0x93: '“', 0x94: '”', 0x95: '•', 0x96: '–', 0x97: '—', 0x98: '˜', 0x99: '™', 0x9a: 'š', 0x9b: '›', 0x9c: 'œ', 0x9e: 'ž', 0x9f: 'Ÿ',
};

/**
 * The text a reader sees, one entry per run the PDF shows (a `TJ` or `Tj` operator): the page
 * streams are inflated as a viewer inflates them, and their strings (hex or literal) decoded
 * from WinAnsiEncoding, the standard fonts' encoding.
 */
function shownText(pdf: Buffer): string[] {
  const raw = pdf.toString('latin1');
  const runs: string[] = [];
  for (const match of raw.matchAll(/<<((?:(?!>>\s*stream)[\s\S])*?)>>\s*stream\r?\n/g)) {
    const length = Number(/\/Length (\d+)/.exec(match[1]!)?.[1]);
    const start = match.index + match[0].length;
    let content = pdf.subarray(start, start + length);
    if (/\/Filter\s*\/FlateDecode/.test(match[1]!)) content = inflateSync(content);
    for (const operator of content.toString('latin1').matchAll(/\[((?:<[0-9a-fA-F]*>|\((?:\\.|[^\\)])*\)|[-\d.\s])*)\]\s*TJ|(<[0-9a-fA-F]*>|\((?:\\.|[^\\)])*\))\s*Tj/g)) {
      const strings = (operator[1] ?? operator[2]!).match(/<[0-9a-fA-F]*>|\((?:\\.|[^\\)])*\)/g) ?? [];
      const bytes = strings.flatMap((string) =>
        string.startsWith('<') ? [...Buffer.from(string.slice(1, -1), 'hex')] : [...Buffer.from(string.slice(1, -1).replace(/\\(.)/g, '$1'), 'latin1')],
      );
      runs.push(bytes.map((byte) => WIN_ANSI_HIGH[byte] ?? String.fromCharCode(byte)).join(''));
    }
  }
  return runs;
}

/** Header, trailer and a cross-reference table whose every entry points at the object it names. */
function expectWellFormedPdf(pdf: Buffer): void {
  const raw = pdf.toString('latin1');
  expect(raw.startsWith('%PDF-1.')).toBe(true);
  expect(raw.trimEnd().endsWith('%%EOF')).toBe(true);
  const startxref = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(raw)?.[1]);
  expect(raw.slice(startxref, startxref + 4)).toBe('xref');
  const table = /^xref\s+0 (\d+)\s+([\s\S]*?)trailer/.exec(raw.slice(startxref));
  const entries = table![2]!.trim().split(/\s*\n\s*/);
  expect(entries).toHaveLength(Number(table![1]));
  entries.forEach((entry, object) => {
    const [offset, , kind] = entry.split(' ');
    if (kind === 'n') expect(raw.slice(Number(offset)).startsWith(`${object} 0 obj`), `object ${object}`).toBe(true);
  });
  expect(raw).toMatch(/\/Type \/Catalog/);
}

describe('the PDF receipt', () => {
  it('is a well-formed one-page PDF', async () => {
    const pdf = await renderReceiptPdf(PAYPAL_RECEIPT);
    expectWellFormedPdf(pdf);
    expect(pdf.toString('latin1').match(/\/Type \/Page\b/g)).toHaveLength(1);
  });

  it('shows the merchant, the receipt number, the date paid, the subscriber, the plan and period, the amount, how it was paid, the provider’s transaction and Paid', async () => {
    const text = shownText(await renderReceiptPdf(PAYPAL_RECEIPT));
    expect(text).toEqual(
      expect.arrayContaining([
        'Billfold',
        'Receipt',
        'Paid',
        'Receipt number',
        '8MC585209K746392H',
        'Date paid',
        'December 1, 2026',
        'Billed to',
        'subscriber@example.com',
        'Starter subscription',
        'December 1, 2026 – January 1, 2027',
        'Amount paid',
        '$12.34',
        'Paid with',
        'PayPal (payer@example.com)',
        'Provider',
        'PayPal',
        'Transaction ID',
      ]),
    );
  });

  it('formats amounts in the currency’s own exponent: dollars with cents, yen with none, dinars with fils', async () => {
    // Every run with a digit in it but the dates (…, 2026) and the ids (8MC5…): the line's amount and the total.
    const amounts = async (amountPaid: Receipt['amountPaid']) => shownText(await renderReceiptPdf({ ...PAYPAL_RECEIPT, amountPaid })).filter((run) => /\d/.test(run) && !/20\d\d|[A-Z]\d/.test(run));
    expect(await amounts(money(1234, 'USD'))).toEqual(['$12.34', '$12.34']);
    expect(await amounts(money(1980, 'JPY'))).toEqual(['¥1,980', '¥1,980']);
    expect(await amounts(money(12345, 'KWD'))).toEqual(['KWD\u00a012.345', 'KWD\u00a012.345']);
  });

  it('says Partly refunded with the amount given back and what was kept, still showing what was paid', async () => {
    const text = shownText(await renderReceiptPdf({ ...PAYPAL_RECEIPT, refund: { kind: 'partly_refunded', amount: money(234, 'USD') } }));
    expect(text).toEqual(expect.arrayContaining(['Partly refunded', 'Amount paid', '$12.34', '$2.34', 'Net paid', '$10.00']));
    expect(text).not.toContain('Paid');
  });

  it('says Refunded, with nothing kept, once all of the payment went back, in the currency’s own exponent', async () => {
    const text = shownText(await renderReceiptPdf({ ...PAYPAL_RECEIPT, amountPaid: money(1980, 'JPY'), refund: { kind: 'refunded', amount: money(1980, 'JPY') } }));
    expect(text).toEqual(expect.arrayContaining(['Refunded', '¥1,980', 'Net paid', '¥0']));
    expect(text).not.toContain('Paid');
  });

  it('names the card by its last four digits when the subscription is paid by card', async () => {
    const text = shownText(await renderReceiptPdf({ ...PAYPAL_RECEIPT, payment: { kind: 'card', last4: '4242' }, provider: 'stripe', providerTransactionId: 'in_1Receipt' }));
    expect(text).toEqual(expect.arrayContaining(['Card •••• 4242', 'Stripe', 'in_1Receipt']));
  });

  it('names the provider alone when it did not give the payer’s email, and leaves out a plan and period it does not know', async () => {
    const text = shownText(await renderReceiptPdf({ ...PAYPAL_RECEIPT, payment: { kind: 'account', provider: 'paypal', email: null }, planName: null, period: null }));
    expect(text).toEqual(expect.arrayContaining(['Subscription', 'PayPal']));
    expect(text.join('\n')).not.toMatch(/payer@|January/);
  });

  it('writes a currency sign and letters the standard PDF fonts cannot show as a code and ?, never as a wrong glyph', async () => {
    const text = shownText(await renderReceiptPdf({ ...PAYPAL_RECEIPT, amountPaid: money(123456, 'INR'), email: 'ユーザー@example.com' }));
    expect(text).toEqual(expect.arrayContaining(['INR\u00a01,234.56', '????@example.com']));
  });
});
