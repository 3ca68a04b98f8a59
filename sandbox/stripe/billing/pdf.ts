import type Stripe from 'stripe';
import { formatMoney } from '@/lib/money';
import { formatDate } from './periods';

/**
 * An invoice as a real, minimal PDF 1.4, written by hand: the standard Helvetica fonts (no
 * embedding), one uncompressed content stream per page, a cross-reference table with exact
 * byte offsets. Text outside ASCII is written as octal escapes in WinAnsiEncoding, so the file
 * itself stays ASCII and its offsets are its string positions.
 */

const PAGE_WIDTH = 612;
const PAGE_HEIGHT = 792;
const MARGIN = 56;
const LINE = 16;

// Advance widths (1/1000 em) of ASCII 32–126 in the standard fonts' AFM metrics, for right alignment.
const HELVETICA = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
  1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
  333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
const HELVETICA_BOLD = [
  278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
  975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
  333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];
const DEFAULT_WIDTH = 556;

// WinAnsiEncoding outside Latin-1: the few typographic characters descriptions may contain.
const WIN_ANSI: Record<string, number> = { '€': 0x80, '…': 0x85, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97 };

function textWidth(text: string, size: number, bold: boolean): number {
  const widths = bold ? HELVETICA_BOLD : HELVETICA;
  let units = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    units += (code >= 32 && code <= 126 ? widths[code - 32] : undefined) ?? (char === '×' ? 584 : DEFAULT_WIDTH);
  }
  return (units * size) / 1000;
}

/** A PDF literal string: delimiters escaped, anything outside ASCII as a WinAnsi octal escape. */
function literal(text: string): string {
  let out = '(';
  for (const char of text) {
    if (char === '\\' || char === '(' || char === ')') out += `\\${char}`;
    else if (char >= ' ' && char <= '~') out += char;
    else {
      const code = char.codePointAt(0) ?? 63;
      const byte = WIN_ANSI[char] ?? (code >= 0xa0 && code <= 0xff ? code : 63);
      out += `\\${byte.toString(8).padStart(3, '0')}`;
    }
  }
  return `${out})`;
}

function money(amount: number, currency: string): string {
  return formatMoney({ amount, currency: currency.toUpperCase() });
}

/** Splits a description into lines of at most `width` characters, at spaces where it can. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/)) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = '';
    }
    current = current ? `${current} ${word}` : word;
    while (current.length > width) {
      lines.push(current.slice(0, width));
      current = current.slice(width);
    }
  }
  if (current) lines.push(current);
  return lines.length > 0 ? lines : [''];
}

class PageWriter {
  readonly pages: string[] = [];
  private ops: string[] = [];
  y = PAGE_HEIGHT - MARGIN;

  text(x: number, text: string, options: { size?: number; bold?: boolean; align?: 'left' | 'right'; y?: number } = {}) {
    const size = options.size ?? 10;
    const left = options.align === 'right' ? x - textWidth(text, size, options.bold ?? false) : x;
    this.ops.push(`BT /${options.bold ? 'F2' : 'F1'} ${size} Tf ${left.toFixed(2)} ${(options.y ?? this.y).toFixed(2)} Td ${literal(text)} Tj ET`);
  }

  rule(gray = 0.85) {
    const y = this.y + 11;
    this.ops.push(`${gray} G 0.75 w ${MARGIN} ${y} m ${PAGE_WIDTH - MARGIN} ${y} l S 0 G`);
  }

  down(lines = 1) {
    this.y -= LINE * lines;
    if (this.y < MARGIN + LINE) this.newPage();
  }

  newPage() {
    this.pages.push(this.ops.join('\n'));
    this.ops = [];
    this.y = PAGE_HEIGHT - MARGIN;
  }

  finish(): string[] {
    if (this.ops.length > 0) this.newPage();
    return this.pages;
  }
}

function documentBytes(pageStreams: string[], title: string): Buffer {
  const objects: string[] = [];
  const pageIds = pageStreams.map((_, index) => 6 + index * 2);
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pageIds.length} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
  objects[4] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>';
  objects[5] = `<< /Title ${literal(title)} /Producer (Billfold sandbox) >>`;
  pageStreams.forEach((stream, index) => {
    const pageId = 6 + index * 2;
    objects[pageId] = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents ${pageId + 1} 0 R >>`;
    objects[pageId + 1] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  });
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = out.length;
    out += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xref = out.length;
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) out += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R /Info 5 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

export function renderInvoicePdf(invoice: Stripe.Invoice): Buffer {
  const page = new PageWriter();
  const right = PAGE_WIDTH - MARGIN;
  const currency = invoice.currency;
  const number = invoice.number ?? invoice.id;

  page.text(MARGIN, 'Invoice', { size: 24, bold: true });
  page.text(right, invoice.account_name ?? 'Billfold Sandbox', { size: 12, bold: true, align: 'right' });
  page.down(2.5);
  const facts: [string, string][] = [
    ['Invoice number', number],
    ['Date of issue', formatDate(invoice.status_transitions.finalized_at ?? invoice.created)],
    invoice.status === 'paid' && invoice.status_transitions.paid_at
      ? ['Paid on', formatDate(invoice.status_transitions.paid_at)]
      : ['Date due', formatDate(invoice.due_date ?? invoice.status_transitions.finalized_at ?? invoice.created)],
    ['Status', (invoice.status ?? 'draft').replace('_', ' ')],
  ];
  for (const [label, value] of facts) {
    page.text(MARGIN, label, { bold: true });
    page.text(MARGIN + 110, value);
    page.down();
  }
  page.down();
  page.text(MARGIN, 'Bill to', { bold: true });
  page.down();
  for (const value of [invoice.customer_name, invoice.customer_email]) {
    if (!value) continue;
    page.text(MARGIN, value);
    page.down();
  }
  page.down();
  const headline = invoice.status === 'paid' ? `${money(invoice.amount_paid, currency)} paid` : `${money(invoice.amount_remaining, currency)} due`;
  page.text(MARGIN, headline, { size: 16, bold: true });
  page.down(2);

  const qtyX = 380;
  const unitX = 470;
  page.text(MARGIN, 'Description', { bold: true, size: 9 });
  page.text(qtyX, 'Qty', { bold: true, size: 9, align: 'right' });
  page.text(unitX, 'Unit price', { bold: true, size: 9, align: 'right' });
  page.text(right, 'Amount', { bold: true, size: 9, align: 'right' });
  page.down();
  page.rule(0.5);
  for (const line of invoice.lines.data) {
    const proration = line.parent?.subscription_item_details?.proration ?? false;
    const description = wrap(line.description ?? '', 58);
    const unit = line.pricing?.unit_amount_decimal;
    page.text(MARGIN, description[0] ?? '');
    page.text(qtyX, String(line.quantity ?? 1), { align: 'right' });
    if (unit !== null && unit !== undefined && !proration) page.text(unitX, money(Number.parseInt(String(unit), 10), currency), { align: 'right' });
    page.text(right, money(line.amount, currency), { align: 'right' });
    for (const more of description.slice(1)) {
      page.down();
      page.text(MARGIN, more);
    }
    page.down();
    page.text(MARGIN, `${formatDate(line.period.start)} - ${formatDate(line.period.end)}`, { size: 8 });
    page.down(1.25);
  }
  page.rule();
  const totals: [string, number][] = [
    ['Subtotal', invoice.subtotal],
    ['Total', invoice.total],
  ];
  if (invoice.starting_balance !== 0) totals.push(['Applied balance', invoice.amount_due - invoice.total]);
  totals.push(invoice.status === 'paid' ? ['Amount paid', invoice.amount_paid] : ['Amount due', invoice.amount_remaining]);
  for (const [label, amount] of totals) {
    page.text(unitX, label, { bold: label !== 'Subtotal', align: 'right' });
    page.text(right, money(amount, currency), { bold: label !== 'Subtotal', align: 'right' });
    page.down();
  }
  page.down();
  page.text(MARGIN, 'Issued by the Billfold sandbox, a local Stripe emulator. Not a real invoice.', { size: 8 });
  return documentBytes(page.finish(), `Invoice ${number}`);
}
