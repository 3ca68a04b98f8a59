import type http from 'node:http';
import { z } from 'zod';
import { readForm } from './auth';
import { agreementsView, agreementView, fundingChangeable, fundingConfirmation, loginView, notFoundView, type Agreement, type PageContent } from './autopay-views';
import { buyerByEmail, type TestBuyer } from './buyers';
import { nowSeconds } from './ids';
import type { PaypalPage, PaypalServices } from './parts';
import { PLAN, type PlanRecord } from './plans';
import { SUBSCRIPTION_FUNDINGS, type SubscriptionFunding } from './subscription-funding';
import { SUBSCRIPTION, subscriptionNow, type SubscriptionRecord } from './subscription-resource';
import { paypalDocument, sendPage } from './web-page';

/**
 * PayPal's automatic payments pages (www.paypal.com/myaccount/autopay/, Settings → Payments →
 * Manage automatic payments), where a buyer fixes a subscription whose payments fail:
 *
 * - `GET /myaccount/autopay/`: log in as a test buyer, then the list of that buyer's agreements.
 * - `GET /myaccount/autopay/connect/<subscription id>`: one agreement and its payment method.
 * - `POST` to it, `funding=buyer|balance`: what pays from now on (subscription-funding.ts). Later
 *   payments (renewals, the merchant's capture of the outstanding balance) use it; changing it
 *   collects nothing and raises no event, as PayPal does not tell the merchant.
 *
 * The login is the `buyer` query parameter (`?buyer=renewals-fail%40example.com`), carried by
 * every link and form: no cookie, so a test or a person can open any buyer's view in one step
 * and two tabs can be two buyers. Like the approval pages, there is no password and no CSRF
 * token: it is a sandbox. An agreement is shown only to its own buyer; anyone else's, like an
 * unknown id, is PayPal's "not found".
 */

const LIST = /^\/myaccount\/autopay\/?$/;
const AGREEMENT = /^\/myaccount\/autopay\/connect\/([^/]*)$/;
/** PayPal's subscription ids (`I-…`); anything else cannot name one. */
const SUBSCRIPTION_ID = /^[A-Za-z0-9-]{1,50}$/;
/** The newest agreements the list shows. */
const SHOWN = 100;

const FundingForm = z.object({ funding: z.enum(SUBSCRIPTION_FUNDINGS) });

function send(response: http.ServerResponse, status: number, page: PageContent): void {
  sendPage(response, status, paypalDocument(page.title, page.content));
}

function refuseMethod(response: http.ServerResponse, allow: string): void {
  response.setHeader('Allow', allow);
  send(response, 405, { title: 'Use the page’s buttons', content: '<p class="refusal" role="alert">This page answers only what its links and forms send.</p>' });
}

/** The logged-in buyer: none yet, a test buyer, or a `buyer` that names none. */
function loginOf(url: URL): { buyer: TestBuyer } | 'none' | 'unknown' {
  const email = url.searchParams.get('buyer');
  if (email === null || email === '') return 'none';
  const buyer = buyerByEmail(email);
  return buyer ? { buyer } : 'unknown';
}

const UNKNOWN_BUYER = 'Choose one of the sandbox buyers to log in.';

async function agreementOf(services: PaypalServices, record: SubscriptionRecord): Promise<Agreement> {
  const plan = await services.store.reader.get<PlanRecord>(PLAN, record.resource.plan_id);
  return { record, plan, now: subscriptionNow(record, nowSeconds()) };
}

async function agreementsOf(services: PaypalServices, buyer: TestBuyer): Promise<Agreement[]> {
  const rows = await services.store.reader.sql<{ data: SubscriptionRecord }[]>`
    select data from sandbox.objects where type = ${SUBSCRIPTION} and data->'internal'->>'buyer' = ${buyer.email}
    order by seq desc limit ${SHOWN}`;
  return Promise.all(rows.map((row) => agreementOf(services, row.data)));
}

const listPage: PaypalPage = {
  path: LIST,
  async handle(request, response, url, services) {
    if (request.method !== 'GET') return refuseMethod(response, 'GET');
    // One address for the list, so the relative links on it (connect/<id>) resolve below it.
    if (!url.pathname.endsWith('/')) {
      response.writeHead(308, { Location: `autopay/${url.search}`, 'Cache-Control': 'no-store' });
      response.end();
      return;
    }
    const login = loginOf(url);
    const purpose = 'Log in to see and change your automatic payments.';
    if (login === 'none') return send(response, 200, loginView(purpose));
    if (login === 'unknown') return send(response, 400, loginView(purpose, UNKNOWN_BUYER));
    send(response, 200, agreementsView(login.buyer, await agreementsOf(services, login.buyer)));
  },
};

/** The agreement the page names, if it is the buyer's (null: not found, for an unknown id and for another buyer's alike). */
function ownedBy(record: SubscriptionRecord | null, buyer: TestBuyer): SubscriptionRecord | null {
  return record && record.internal.buyer === buyer.email ? record : null;
}

type Change = { kind: 'missing' } | { kind: 'closed'; record: SubscriptionRecord } | { kind: 'changed'; record: SubscriptionRecord };

/** Sets what pays, under the subscription's row lock so a renewal billing it meanwhile sees one or the other. */
async function changeFunding(services: PaypalServices, url: URL, id: string, buyer: TestBuyer, funding: SubscriptionFunding): Promise<Change> {
  return services.transaction(services.base(url), async (ctx): Promise<Change> => {
    const record = ownedBy(await ctx.tx.getForUpdate<SubscriptionRecord>(SUBSCRIPTION, id), buyer);
    if (!record) return { kind: 'missing' };
    if (!fundingChangeable(record)) return { kind: 'closed', record };
    return { kind: 'changed', record: await ctx.tx.save({ ...record, internal: { ...record.internal, funding } }) };
  });
}

const agreementPage: PaypalPage = {
  path: AGREEMENT,
  async handle(request, response, url, services) {
    if (request.method !== 'GET' && request.method !== 'POST') return refuseMethod(response, 'GET, POST');
    const id = AGREEMENT.exec(url.pathname)?.[1] ?? '';
    const login = loginOf(url);
    const found = SUBSCRIPTION_ID.test(id) ? await services.store.reader.get<SubscriptionRecord>(SUBSCRIPTION, id) : null;
    if (!found) return send(response, 404, notFoundView(typeof login === 'object' ? login.buyer : undefined));
    if (typeof login !== 'object') {
      // A change posted without a login is bad input; a link opened without one just asks for it.
      const problem = login === 'unknown' ? UNKNOWN_BUYER : request.method === 'POST' ? 'You are not logged in.' : undefined;
      return send(response, problem ? 400 : 200, loginView('Log in to see and change this automatic payment.', problem));
    }
    const { buyer } = login;
    const record = ownedBy(found, buyer);
    if (!record) return send(response, 404, notFoundView(buyer));
    if (request.method === 'GET') return send(response, 200, agreementView(buyer, await agreementOf(services, record)));

    const form = FundingForm.safeParse(Object.fromEntries(await readForm(request)));
    if (!form.success) return send(response, 400, agreementView(buyer, await agreementOf(services, record), { problem: 'Choose a payment method from the list, then save.' }));
    const change = await changeFunding(services, url, id, buyer, form.data.funding);
    if (change.kind === 'missing') return send(response, 404, notFoundView(buyer));
    if (change.kind === 'closed') return send(response, 409, agreementView(buyer, await agreementOf(services, change.record), { problem: 'This automatic payment has ended: its payment method can no longer be changed.' }));
    send(response, 200, agreementView(buyer, await agreementOf(services, change.record), { confirmation: fundingConfirmation(buyer, change.record) }));
  },
};

export const AUTOPAY_PAGES: PaypalPage[] = [listPage, agreementPage];
