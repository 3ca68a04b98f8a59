import PDFDocument from 'pdfkit';
import { formatMoney, money, type Money } from '@/lib/money';
import { PROVIDER_LABELS } from '@/lib/payments/types';
import type { InvoiceRefund } from './invoice-refund';
import type { Receipt, ReceiptPayment } from './receipts';
import { formatDay } from './subscriptions';

/** The name every email Billfold sends signs with (lib/mail); no shop name or address is configured. */
const MERCHANT = 'Billfold';

const MARGIN = 56;
const PAGE_WIDTH = 595.28; // A4, in points
const CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN;
const LABEL_WIDTH = 130;
const AMOUNT_WIDTH = 140;
const INK = '#1c1917';
const MUTED = '#57534e';
const RULE = '#d6d3d1';
const PAID = '#15803d';

/**
 * The characters PDF's standard fonts can show (WinAnsiEncoding: Latin-1 and these), which
 * keep a receipt free of embedded font files. pdfkit writes any other character as a wrong
 * glyph, so none is passed to it.
 */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

function showable(char: string): boolean {
  const code = char.codePointAt(0)!;
  return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(char);
}

/** Text as the standard fonts can show it: anything else (a name in another script) becomes `?`. */
function pdfText(text: string): string {
  return Array.from(text, (char) => (showable(char) ? char : '?')).join('');
}

/** formatMoney's text; a currency whose sign the standard fonts lack (₹, ₪, ₱, ฿) is written by its code instead. */
function amountText(amount: Money): string {
  const formatted = formatMoney(amount);
  if (Array.from(formatted).every(showable)) return formatted;
  return pdfText(formatted.replace(/^(-?)[^\d-]+/, `$1${amount.currency}\u00a0`));
}

function paymentText(payment: ReceiptPayment): string {
  if (payment.kind === 'card') return `Card •••• ${payment.last4}`;
  const provider = PROVIDER_LABELS[payment.provider];
  return payment.email ? `${provider} (${payment.email})` : provider;
}

/**
 * The receipt as a one-page A4 PDF: who was paid, for what and which period, how much, how and
 * through which provider, marked Paid (only paid invoices have receipts), or Refunded / Partly
 * refunded with what went back and what was kept once money was returned.
 */
export async function renderReceiptPdf(receipt: Receipt): Promise<Buffer<ArrayBuffer>> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: { Title: pdfText(`Receipt ${receipt.number}`), Author: MERCHANT, Subject: pdfText(`${MERCHANT} receipt ${receipt.number}`) },
  });
  const chunks: Buffer[] = [];
  const finished = new Promise<Buffer<ArrayBuffer>>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.fillColor(INK).font('Helvetica-Bold').fontSize(20).text(MERCHANT, MARGIN, MARGIN);
  doc.font('Helvetica').fontSize(24).text('Receipt', MARGIN, MARGIN + 36);
  stamp(doc, MARGIN + 40, receipt.refund);

  let y = MARGIN + 92;
  const row = (label: string, value: string) => {
    doc.font('Helvetica').fontSize(10).fillColor(MUTED).text(label, MARGIN, y, { width: LABEL_WIDTH });
    doc.fillColor(INK).text(pdfText(value), MARGIN + LABEL_WIDTH, y, { width: CONTENT_WIDTH - LABEL_WIDTH });
    y = doc.y + 6;
  };
  row('Receipt number', receipt.number);
  row('Date paid', formatDay(receipt.paidAt));
  row('Billed to', receipt.email);

  // The one line paid for, and its total.
  y += 18;
  doc.font('Helvetica-Bold').fontSize(10).fillColor(MUTED);
  doc.text('Description', MARGIN, y, { width: CONTENT_WIDTH - AMOUNT_WIDTH });
  doc.text('Amount', MARGIN + CONTENT_WIDTH - AMOUNT_WIDTH, y, { width: AMOUNT_WIDTH, align: 'right' });
  y = doc.y + 4;
  rule(doc, y);
  y += 8;
  const amount = amountText(receipt.amountPaid);
  doc.font('Helvetica').fontSize(11).fillColor(INK);
  doc.text(pdfText(receipt.planName ? `${receipt.planName} subscription` : 'Subscription'), MARGIN, y, { width: CONTENT_WIDTH - AMOUNT_WIDTH });
  const itemBottom = doc.y;
  doc.text(amount, MARGIN + CONTENT_WIDTH - AMOUNT_WIDTH, y, { width: AMOUNT_WIDTH, align: 'right' });
  y = Math.max(itemBottom, doc.y);
  if (receipt.period) {
    doc.fontSize(10).fillColor(MUTED).text(`${formatDay(receipt.period.start)} – ${formatDay(receipt.period.end)}`, MARGIN, y + 2, { width: CONTENT_WIDTH - AMOUNT_WIDTH });
    y = doc.y;
  }
  y += 8;
  rule(doc, y);
  y += 8;
  doc.font('Helvetica-Bold').fontSize(11).fillColor(INK);
  doc.text('Amount paid', MARGIN, y, { width: CONTENT_WIDTH - AMOUNT_WIDTH });
  doc.text(amount, MARGIN + CONTENT_WIDTH - AMOUNT_WIDTH, y, { width: AMOUNT_WIDTH, align: 'right' });
  y = doc.y + 4;
  if (receipt.refund) {
    // Money given back since: the receipt still shows what was paid, then what went back and what was kept.
    const kept = money(receipt.amountPaid.amount - receipt.refund.amount.amount, receipt.amountPaid.currency);
    for (const [label, value] of [[receipt.refund.kind === 'refunded' ? 'Refunded' : 'Partly refunded', receipt.refund.amount], ['Net paid', kept]] as const) {
      doc.font('Helvetica').fontSize(11).fillColor(INK).text(label, MARGIN, y, { width: CONTENT_WIDTH - AMOUNT_WIDTH });
      doc.text(amountText(value), MARGIN + CONTENT_WIDTH - AMOUNT_WIDTH, y, { width: AMOUNT_WIDTH, align: 'right' });
      y = doc.y + 4;
    }
  }
  y += 20;

  row('Paid with', paymentText(receipt.payment));
  row('Provider', PROVIDER_LABELS[receipt.provider]);
  row('Transaction ID', receipt.providerTransactionId);

  doc.end();
  return finished;
}

function rule(doc: PDFKit.PDFDocument, y: number): void {
  doc.moveTo(MARGIN, y).lineTo(MARGIN + CONTENT_WIDTH, y).lineWidth(0.75).strokeColor(RULE).stroke();
}

/** "Paid" boxed in green at the right of the title; "Refunded" or "Partly refunded" in grey once money went back. */
function stamp(doc: PDFKit.PDFDocument, y: number, refund: InvoiceRefund | null): void {
  const text = refund ? (refund.kind === 'refunded' ? 'Refunded' : 'Partly refunded') : 'Paid';
  const color = refund ? MUTED : PAID;
  const width = refund ? 124 : 64;
  const x = MARGIN + CONTENT_WIDTH - width;
  doc.roundedRect(x, y, width, 24, 4).lineWidth(1.5).strokeColor(color).stroke();
  doc.font('Helvetica-Bold').fontSize(12).fillColor(color).text(text, x, y + 6.5, { width, align: 'center' });
}
