import type http from 'node:http';
import { formatMoney } from '@/lib/money';
import type { Store } from '../../store';
import type { SandboxInvoice } from '../resources/invoices';
import { formatDate } from './periods';
import { renderInvoicePdf } from './pdf';

/**
 * The invoice's `hosted_invoice_url` (an HTML page) and `invoice_pdf`, served by the sandbox at
 * `/invoices/:id/:token` and `/invoices/:id/:token/pdf`. The token is the invoice's own secret,
 * so knowing an invoice id is not enough to read it.
 */

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function money(amount: number, currency: string): string {
  return formatMoney({ amount, currency: currency.toUpperCase() });
}

export function renderHostedInvoice(invoice: SandboxInvoice): string {
  const status = invoice.status ?? 'draft';
  const paid = status === 'paid';
  const headline =
    status === 'paid'
      ? `${money(invoice.amount_paid, invoice.currency)} paid`
      : status === 'open'
        ? `${money(invoice.amount_remaining, invoice.currency)} due`
        : `${money(invoice.total, invoice.currency)} ${status.replace('_', ' ')}`;
  const when = paid && invoice.status_transitions.paid_at ? `Paid on ${formatDate(invoice.status_transitions.paid_at)}` : `Issued ${formatDate(invoice.status_transitions.finalized_at ?? invoice.created)}`;
  const rows = invoice.lines.data
    .map(
      (line) => `<tr><td>${escapeHtml(line.description ?? '')}<div class="muted">${formatDate(line.period.start)} – ${formatDate(line.period.end)}</div></td>
<td class="num">${line.quantity ?? 1}</td><td class="num">${escapeHtml(money(line.amount, invoice.currency))}</td></tr>`,
    )
    .join('\n');
  const title = `Invoice ${invoice.number ?? invoice.id}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:15px system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1a1f36}main{max-width:640px;margin:40px auto;background:#fff;border:1px solid #e3e8ee;border-radius:12px;padding:32px}
h1{font-size:28px;margin:8px 0}.muted{color:#697386;font-size:13px}.status{display:inline-block;padding:2px 8px;border-radius:6px;background:#e3e8ee;font-size:13px;text-transform:capitalize}
.status.paid{background:#d7f7c2;color:#05690d}.status.open{background:#cff5f6;color:#0055bc}table{width:100%;border-collapse:collapse;margin:24px 0}td,th{padding:8px 0;border-bottom:1px solid #e3e8ee;text-align:left;vertical-align:top}
.num{text-align:right;white-space:nowrap}a.button{display:inline-block;padding:10px 16px;border-radius:8px;background:#635bff;color:#fff;text-decoration:none}</style></head>
<body><main>
<div class="muted">${escapeHtml(invoice.account_name ?? 'Billfold Sandbox')}</div>
<h1>${escapeHtml(headline)}</h1>
<div><span class="status ${escapeHtml(status)}">${escapeHtml(status.replace('_', ' '))}</span> <span class="muted">${escapeHtml(when)}</span></div>
<p class="muted">${escapeHtml(title)}${invoice.customer_email ? ` · ${escapeHtml(invoice.customer_email)}` : ''}</p>
<table><thead><tr><th>Description</th><th class="num">Qty</th><th class="num">Amount</th></tr></thead><tbody>
${rows}
</tbody><tfoot>
<tr><td>Total</td><td></td><td class="num">${escapeHtml(money(invoice.total, invoice.currency))}</td></tr>
<tr><th>${paid ? 'Amount paid' : 'Amount due'}</th><td></td><th class="num">${escapeHtml(money(paid ? invoice.amount_paid : invoice.amount_remaining, invoice.currency))}</th></tr>
</tfoot></table>
<a class="button" href="${escapeHtml(invoice.invoice_pdf ?? '#')}">Download invoice (PDF)</a>
<p class="muted">Served by the Billfold sandbox, a local Stripe emulator.</p>
</main></body></html>`;
}

/** `GET /invoices/:id/:token` and `GET /invoices/:id/:token/pdf`. */
export async function handleInvoicePage(store: Store, request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<void> {
  const notFound = () => {
    response.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end('<p>No such invoice.</p>');
  };
  const match = /^\/invoices\/(in_[A-Za-z0-9]+)\/([A-Za-z0-9]+)(\/pdf)?$/.exec(url.pathname);
  if (!match || (request.method !== 'GET' && request.method !== 'HEAD')) return notFound();
  const [, id = '', token, pdf] = match;
  const invoice = await store.reader.get<SandboxInvoice>('invoice', id);
  if (!invoice || invoice._sandbox.token !== token || invoice.status === 'draft') return notFound();
  if (pdf) {
    const body = renderInvoicePdf(invoice);
    response.writeHead(200, {
      'Content-Type': 'application/pdf',
      'Content-Length': body.length,
      'Content-Disposition': `inline; filename="Invoice-${invoice.number ?? invoice.id}.pdf"`,
      'Cache-Control': 'no-store',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
    return;
  }
  const html = renderHostedInvoice(invoice);
  response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html), 'Cache-Control': 'no-store' });
  response.end(request.method === 'HEAD' ? undefined : html);
}
