import { escapeHtml } from '../dashboard';
import { describeFrequency } from './billing-cycles';
import type { TestBuyer } from './buyers';
import { paypalMoney } from './money';
import type { PlanRecord } from './plans';
import { fundingLabel, fundingOf, SUBSCRIPTION_FUNDINGS, type SubscriptionFunding } from './subscription-funding';
import { cyclePrice, merchantOf, type SubscriptionRecord } from './subscription-resource';
import { buyerChoice } from './web-page';

/**
 * The automatic payments pages' content (autopay-pages.ts serves them): the login, the list of a
 * buyer's agreements and one agreement with its "Change payment method" form. Links are relative
 * to the page (the sandbox is mounted under a prefix the page's URL no longer shows) and carry
 * the logged-in buyer as `?buyer=`.
 */

export interface PageContent {
  title: string;
  content: string;
}

/** A subscription with what its pages show beside it. */
export interface Agreement {
  record: SubscriptionRecord;
  /** Null when the plan is gone (never in practice: plans are not deleted). */
  plan: PlanRecord | null;
  /** The subscription's own time now (subscription-clock.ts), for the price it is on. */
  now: number;
}

/** The query parameter that carries the login from page to page (autopay-pages.ts says why). */
const loginQuery = (buyer: TestBuyer) => `?buyer=${encodeURIComponent(buyer.email)}`;

function money(units: number, currency: string): string {
  return `${paypalMoney(units, currency).value} ${currency}`;
}

/** "5.00 USD per month": what each regular cycle costs (before tax and shipping), for the quantity taken. */
function amountOf({ record, plan, now }: Agreement): string {
  const cycle = plan?.resource.billing_cycles.find((candidate) => candidate.tenure_type === 'REGULAR');
  if (!plan || !cycle) return 'Unknown';
  const quantity = Math.max(1, Math.floor(Number(record.resource.quantity) || 1));
  return `${money(cyclePrice(plan, record, cycle.sequence, now).units * quantity, record.internal.currency)} per ${describeFrequency(cycle.frequency)}`;
}

function statusOf(record: SubscriptionRecord): string {
  const { status } = record.resource;
  if (status === 'SUSPENDED' && record.internal.suspended_for_failures) return 'Suspended: payments failed';
  return status.charAt(0) + status.slice(1).toLowerCase().replaceAll('_', ' ');
}

function dateOf(time: string | undefined): string {
  if (!time) return 'None';
  return new Date(time).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

function nameOf(agreement: Agreement): string {
  return `${merchantOf(agreement.record)}: ${agreement.plan?.resource.name ?? agreement.record.resource.plan_id}`;
}

function details(rows: [string, string][]): string {
  return `<dl>${rows.map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`;
}

function loggedInAs(buyer: TestBuyer, logout: string): string {
  return `<p class="hint">Logged in as ${escapeHtml(buyer.email)} · <a href="${escapeHtml(logout)}">Log out</a></p>`;
}

/** "Log in to PayPal": a GET form to the page itself, which then shows what the buyer asked for. */
export function loginView(purpose: string, problem?: string): PageContent {
  const alert = problem ? `<p class="refusal" role="alert">${escapeHtml(problem)}</p>` : '';
  return { title: 'Log in to PayPal', content: `<p>${escapeHtml(purpose)}</p>${alert}<form method="get">${buyerChoice()}<button class="approve" type="submit">Log in</button></form>` };
}

/** "Automatic payments": each of the buyer's agreements, newest first, linking to its page. */
export function agreementsView(buyer: TestBuyer, agreements: Agreement[]): PageContent {
  const items = agreements.map((agreement) => {
    const { record } = agreement;
    const rows: [string, string][] = [['Amount', amountOf(agreement)], ['Status', statusOf(record)]];
    if (record.internal.outstanding > 0) rows.push(['Outstanding balance', money(record.internal.outstanding, record.internal.currency)]);
    rows.push(['Payment method', fundingLabel(buyer, fundingOf(record))], ['Subscription ID', record.id]);
    return `<li><h2><a href="connect/${escapeHtml(encodeURIComponent(record.id))}${escapeHtml(loginQuery(buyer))}">${escapeHtml(nameOf(agreement))}</a></h2>${details(rows)}</li>`;
  });
  const list = items.length ? `<ul class="agreements">${items.join('')}</ul>` : '<p>You have no automatic payments.</p>';
  return { title: 'Automatic payments', content: `${loggedInAs(buyer, './')}<p>Merchants you have allowed to take payments from your account.</p>${list}` };
}

/** Each funding choice once by what it is called (buyer@'s own funding is the balance): the current one is kept. */
function choicesOf(buyer: TestBuyer, current: SubscriptionFunding): Map<string, SubscriptionFunding> {
  const choices = new Map<string, SubscriptionFunding>();
  for (const funding of SUBSCRIPTION_FUNDINGS) {
    const label = fundingLabel(buyer, funding);
    if (!choices.has(label) || funding === current) choices.set(label, funding);
  }
  return choices;
}

/** Whether PayPal may still take a payment under it (the capture takes ACTIVE, SUSPENDED and EXPIRED; APPROVED will be activated). */
export function fundingChangeable(record: SubscriptionRecord): boolean {
  return ['APPROVED', 'ACTIVE', 'SUSPENDED', 'EXPIRED'].includes(record.resource.status);
}

/** One agreement: its terms, what pays it, and the form that changes that. */
export function agreementView(buyer: TestBuyer, agreement: Agreement, notes: { confirmation?: string; problem?: string } = {}): PageContent {
  const { record } = agreement;
  const current = fundingOf(record);
  const rows: [string, string][] = [
    ['Plan', agreement.plan?.resource.name ?? record.resource.plan_id],
    ['Amount', amountOf(agreement)],
    ['Status', statusOf(record)],
    ['Next payment', dateOf(record.resource.billing_info?.next_billing_time)],
    ['Outstanding balance', money(record.internal.outstanding, record.internal.currency)],
    ['Payment method', fundingLabel(buyer, current)],
    ['Subscription ID', record.id],
  ];
  const confirmation = notes.confirmation ? `<p class="confirmation" role="status">${escapeHtml(notes.confirmation)}</p>` : '';
  const problem = notes.problem ? `<p class="refusal" role="alert">${escapeHtml(notes.problem)}</p>` : '';
  const radios = [...choicesOf(buyer, current)].map(([label, funding]) => `<label class="choice"><input type="radio" name="funding" value="${funding}"${funding === current ? ' checked' : ''}> ${escapeHtml(label)}</label>`).join('');
  const form = fundingChangeable(record)
    ? `<h2 id="change-payment-method">Change payment method</h2>
<form method="post" action="${escapeHtml(encodeURIComponent(record.id))}${escapeHtml(loginQuery(buyer))}" aria-labelledby="change-payment-method">
<fieldset><legend>Pay with</legend>${radios}</fieldset>
<button class="approve" type="submit">Save payment method</button>
</form>`
    : `<p>This automatic payment is ${escapeHtml(statusOf(record).toLowerCase())}: PayPal takes no more payments for it.</p>`;
  const back = `<p><a href="../${escapeHtml(loginQuery(buyer))}">Back to automatic payments</a></p>`;
  return { title: nameOf(agreement), content: `${loggedInAs(buyer, '../')}${confirmation}${problem}${details(rows)}${form}${back}` };
}

/** What the page says after a change. */
export function fundingConfirmation(buyer: TestBuyer, record: SubscriptionRecord): string {
  return `PayPal will use ${fundingLabel(buyer, fundingOf(record))} for your automatic payments to ${merchantOf(record)}.`;
}

/** PayPal's answer for an agreement that is not there, or not the logged-in buyer's. */
export function notFoundView(buyer?: TestBuyer): PageContent {
  return {
    title: 'Sorry, we can’t find that automatic payment',
    content: `<p class="refusal" role="alert">There is no automatic payment at this address for the account you are logged in with.</p><p><a href="../${buyer ? escapeHtml(loginQuery(buyer)) : ''}">Back to automatic payments</a></p>`,
  };
}
