import type http from 'node:http';

/**
 * The sandbox's dashboard at `/`: the page around each mounted provider's tables (what happened:
 * customers, payments, events, webhook deliveries) and the buttons for the provider-side actions
 * a developer triggers by hand. Each module renders its rows and answers its own buttons' POSTs
 * (redirecting back here with a notice); this shell lays them out.
 */

/** One table of a provider's part. Cells are HTML: the module escapes what it shows. */
export interface DashboardTable {
  /** The section's anchor, unique across providers (it names the link in the header). */
  id: string;
  title: string;
  columns: string[];
  rows: string[][];
  /** What the table says when it has no rows. */
  empty: string;
}

export interface DashboardPart {
  provider: string;
  tables: DashboardTable[];
}

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** A button posting `fields` to a module's action at `path`; `extra` is more HTML inside the form (an input). */
export function actionButton(path: string, fields: Record<string, string>, label: string, extra = ''): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return `<form method="post" action="${escapeHtml(path)}" class="inline">${inputs}${extra}<button type="submit">${escapeHtml(label)}</button></form>`;
}

/** After an action: back to the dashboard, which shows what happened. */
export function redirectWithNotice(response: http.ServerResponse, notice: string): void {
  response.writeHead(303, { Location: `/?notice=${encodeURIComponent(notice)}` });
  response.end();
}

function section(table: DashboardTable): string {
  const body = table.rows.length
    ? table.rows.map((cells) => `<tr>${cells.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('')
    : `<tr><td colspan="${table.columns.length}" class="empty">${escapeHtml(table.empty)}</td></tr>`;
  return `<section id="${escapeHtml(table.id)}"><h2>${escapeHtml(table.title)}</h2><div class="scroll"><table><thead><tr>${table.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table></div></section>`;
}

function render(parts: DashboardPart[], notice: string | null): string {
  const providers = parts.map((part) => part.provider).join(' and ');
  const tables = parts.flatMap((part) => part.tables);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Billfold sandbox</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;background:#f7f7f5;color:#17201c}
header{background:#1b4e3e;color:#fff;padding:18px 28px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;opacity:.85}
main{padding:20px 28px;display:grid;gap:22px;max-width:1400px}
nav a{color:#fff;margin-right:14px;font-size:13px}
section{background:#fff;border:1px solid #e2e4e0;border-radius:12px;padding:16px 18px}
h2{font-size:15px;margin:0 0 10px}.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:6px 10px;border-bottom:1px solid #eef0ec;white-space:nowrap}
th{color:#5b6560;font-weight:600}td.empty{color:#7a847f}
.status{background:#eef4f1;border-radius:999px;padding:1px 8px}
form.inline{display:inline}input.days{width:4.5em;font:inherit;font-size:12px;margin-right:4px}button{font:inherit;font-size:12px;padding:3px 10px;border-radius:6px;border:1px solid #c9d0cc;background:#fff;cursor:pointer}
.notice{background:#fff8e6;border:1px solid #f2dca6;border-radius:10px;padding:10px 14px}
</style></head><body>
<header><h1>Billfold sandbox</h1><p>A local stand-in for ${escapeHtml(providers)}: no real money moves. State is kept in PostgreSQL (schema <code>sandbox</code>).</p>
<nav>${tables.map((table) => `<a href="#${escapeHtml(table.id)}">${escapeHtml(table.id)}</a>`).join('')}</nav></header>
<main>${notice ? `<p class="notice" role="status">${escapeHtml(notice)}</p>` : ''}${tables.map(section).join('')}</main></body></html>`;
}

/** GET `/`: every mounted provider's part, in mounting order. */
export async function sendDashboard(response: http.ServerResponse, url: URL, parts: Promise<DashboardPart>[]): Promise<void> {
  const html = render(await Promise.all(parts), url.searchParams.get('notice'));
  response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'" });
  response.end(html);
}
