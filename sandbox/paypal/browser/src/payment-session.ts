import type { OnCancelDataOneTimePayments, OnCompleteData, OnErrorData as PayPalError } from '@paypal/paypal-js/sdk-v6';
import type { ApprovalMessage } from '../../approval-page';
import { messageOf, paypalError } from './errors';

/**
 * A payment session as the v6 SDK's session factories return it
 * (`createPayPalOneTimePaymentSession`, `createPayPalSubscriptionPaymentSession`): `start()`
 * awaits the page's promise of an order (or subscription) id and shows the buyer the sandbox's
 * approval page, then reports through the page's callbacks.
 *
 * - **Popup** (`popup`, `auto`; `modal` and `payment-handler` too, which the stand-in presents
 *   the same way): opened at once, inside the click (a popup opened after an await is
 *   blocked), blank until the id arrives, then sent to the approval page with
 *   `sdk_origin=<this page's origin>`. The page posts an ApprovalMessage (approval-page.ts)
 *   back; only a message from the sandbox's origin, from that popup and about that id counts.
 *   A popup closed without one is a cancel, as on PayPal.
 * - **Redirect** (`redirect`, `direct-app-switch`, and `auto` when the popup is blocked): the
 *   page itself goes to the approval page, which sends the buyer back to the order's
 *   return_url (`?token=<order id>&PayerID=…`) or cancel_url (`?token=`). There the page
 *   creates the session again and `hasReturned()`/`resume()` finish the flow with onApprove or
 *   onCancel, from what `start()` left in sessionStorage.
 */

/** What differs between an order's session and a subscription's. */
export interface ApprovalKind<Approve> {
  /** The field of the page's promise (and of the ApprovalMessage) holding the id. */
  idField: 'orderId' | 'subscriptionId';
  /** The approval page for an id, relative to the stand-in's base URL. */
  approvalPath(id: string): string;
  /** The presentation modes that navigate the page instead of opening a popup. */
  redirectModes: readonly string[];
  /** Every presentation mode the session accepts. */
  modes: readonly string[];
  approveData(id: string, payerId: string | undefined): Approve;
}

export interface SessionCallbacks<Approve> {
  onApprove?: (data: Approve) => Promise<void> | void;
  onCancel?: (data: OnCancelDataOneTimePayments) => void;
  onComplete?: (data: OnCompleteData) => void;
  onError?: (data: PayPalError) => void;
}

export interface StartOptions {
  presentationMode?: string;
  autoRedirect?: { enabled: boolean };
}

interface Flow {
  popup: Window;
  end(): void;
}

type Outcome = { approved: true; payerId: string | undefined } | { approved: false };

/** sessionStorage key for a redirect in progress (what `resume()` finishes after the return). */
const RESUME_KEY = 'billfold-paypal-sandbox:redirect';
/** How often a popup is checked for having been closed. */
const POPUP_POLL_MS = 250;
/**
 * After the popup is seen closed, how long its last message may still be on its way: the
 * approval page posts and then closes itself, and the two reach this page in no fixed order.
 */
const CLOSE_GRACE_MS = 600;

export class ApprovalSession<Approve> {
  private flow: Flow | null = null;
  private destroyed = false;

  constructor(
    private readonly base: string,
    private readonly kind: ApprovalKind<Approve>,
    private readonly callbacks: SessionCallbacks<Approve>,
    /** The id given when the session was created (`orderId` option), used when start() gets no promise. */
    private readonly fixedId?: string,
  ) {}

  start(options: StartOptions = { presentationMode: 'auto' }, idPromise?: Promise<Record<string, unknown>>): Promise<void | { redirectURL?: string }> {
    if (this.destroyed) return Promise.reject(paypalError('ERR_SESSION_DESTROYED', 'This payment session was destroyed; create a new one.'));
    if (this.flow) {
      this.flow.popup.focus();
      return Promise.resolve();
    }
    const mode = options.presentationMode ?? 'auto';
    if (!this.kind.modes.includes(mode)) {
      return Promise.reject(paypalError('ERR_PRESENTATION_MODE', `presentationMode "${mode}" is not supported by this session; use one of ${this.kind.modes.join(', ')}.`, { isRecoverable: true }));
    }
    const ids = idPromise ?? (this.fixedId ? Promise.resolve({ [this.kind.idField]: this.fixedId }) : Promise.reject(new Error(`start() needs a promise of { ${this.kind.idField} }.`)));
    if (this.kind.redirectModes.includes(mode)) return this.redirect(ids, options);
    // Before any await: the browser allows a popup only while it handles the click.
    const popup = openPopup();
    if (!popup) {
      if (mode === 'auto' && this.kind.redirectModes.length > 0) return this.redirect(ids, options);
      void ids.catch(() => {});
      const error = paypalError('ERR_POPUP_BLOCKED', 'The browser blocked the PayPal popup. Allow popups for this site, or start the session with another presentation mode.', { isRecoverable: true });
      this.fail(error);
      return Promise.reject(error);
    }
    return this.runPopup(popup, ids);
  }

  /** Ends a flow in progress: closes the popup and reports a cancel. */
  cancel(): void {
    if (!this.flow) return;
    this.endFlow();
    this.cancelled(undefined);
  }

  /** Tears the session down without reporting anything (the component unmounted). */
  destroy(): void {
    this.destroyed = true;
    this.endFlow();
  }

  /** Whether this page is the return from a redirect this session's kind started. */
  hasReturned(): boolean {
    const pending = readPendingRedirect();
    return pending !== null && pending.idField === this.kind.idField && pending.id === new URLSearchParams(location.search).get('token');
  }

  /** Finishes a redirect flow on the page PayPal returned to: onApprove with the payer, or onCancel. */
  async resume(): Promise<void> {
    if (!this.hasReturned()) return;
    const query = new URLSearchParams(location.search);
    const id = query.get('token') ?? '';
    sessionStorage.removeItem(RESUME_KEY);
    const payerId = query.get('PayerID');
    await this.settle(id, payerId ? { approved: true, payerId } : { approved: false });
  }

  private async idFrom(ids: Promise<Record<string, unknown>>): Promise<string | PayPalError> {
    try {
      const value = (await ids)?.[this.kind.idField];
      if (typeof value === 'string' && value !== '') return value;
      return paypalError('ERR_CREATE_ORDER', `Expected the promise passed to start() to resolve to { ${this.kind.idField}: string }.`);
    } catch (error) {
      return paypalError('ERR_CREATE_ORDER', `The promise passed to start() was rejected: ${messageOf(error)}`, { cause: error });
    }
  }

  private async redirect(ids: Promise<Record<string, unknown>>, options: StartOptions): Promise<void | { redirectURL?: string }> {
    const id = await this.idFrom(ids);
    if (typeof id !== 'string') return this.fail(id);
    const redirectURL = new URL(this.kind.approvalPath(id), `${this.base}/`).href;
    sessionStorage.setItem(RESUME_KEY, JSON.stringify({ idField: this.kind.idField, id }));
    if (options.autoRedirect?.enabled === false) return { redirectURL };
    location.assign(redirectURL);
  }

  private async runPopup(popup: Window, ids: Promise<Record<string, unknown>>): Promise<void> {
    const sandboxOrigin = new URL(this.base).origin;
    // The id the popup's message must carry; null until the page's promise gives it.
    let expected: string | null = null;
    // Resolves with the buyer's decision, or null when cancel() or destroy() ended the flow.
    const decision = new Promise<Outcome | null>((resolve) => {
      let closedAt: number | null = null;
      const onMessage = (event: MessageEvent) => {
        if (event.origin !== sandboxOrigin || event.source !== popup || expected === null) return;
        const message = event.data as Partial<ApprovalMessage> | null;
        if (message?.source !== 'billfold-paypal-sandbox' || message[this.kind.idField] !== expected) return;
        finish(message.outcome === 'approved' ? { approved: true, payerId: message.payerId } : { approved: false });
      };
      const poll = window.setInterval(() => {
        if (!popup.closed) return;
        closedAt ??= Date.now();
        if (Date.now() - closedAt >= CLOSE_GRACE_MS) finish({ approved: false });
      }, POPUP_POLL_MS);
      const finish = (result: Outcome | null) => {
        window.clearInterval(poll);
        window.removeEventListener('message', onMessage);
        if (this.flow?.popup === popup) this.flow = null;
        resolve(result);
      };
      window.addEventListener('message', onMessage);
      this.flow = { popup, end: () => finish(null) };
    });
    const id = await this.idFrom(ids);
    if (this.flow?.popup !== popup) {
      // The flow ended while the page was making its order: cancel() and destroy() have said
      // what they say; a buyer who closed the popup meanwhile has cancelled.
      if (await decision) this.cancelled(typeof id === 'string' ? id : undefined);
      return;
    }
    if (typeof id !== 'string') {
      this.endFlow();
      return this.fail(id);
    }
    expected = id;
    const approval = new URL(this.kind.approvalPath(id), `${this.base}/`);
    approval.searchParams.set('sdk_origin', location.origin);
    if (!popup.closed) popup.location.replace(approval.href);
    const outcome = await decision;
    if (outcome) await this.settle(id, outcome);
  }

  private async settle(id: string, outcome: Outcome): Promise<void> {
    if (!outcome.approved) return this.cancelled(id);
    try {
      await this.callbacks.onApprove?.(this.kind.approveData(id, outcome.payerId));
    } catch (error) {
      return this.fail(paypalError('ERR_ON_APPROVE', `onApprove threw: ${messageOf(error)}`, { cause: error }));
    }
    this.callbacks.onComplete?.({ paymentSessionState: 'approved' });
  }

  private cancelled(id: string | undefined): void {
    this.callbacks.onCancel?.(this.kind.idField === 'orderId' && id ? { orderId: id } : {});
    this.callbacks.onComplete?.({ paymentSessionState: 'canceled' });
  }

  private fail(error: PayPalError): void {
    this.callbacks.onError?.(error);
    this.callbacks.onComplete?.({ paymentSessionState: 'error' });
  }

  private endFlow(): void {
    const flow = this.flow;
    if (!flow) return;
    flow.end();
    if (!flow.popup.closed) flow.popup.close();
  }
}

function readPendingRedirect(): { idField: string; id: string } | null {
  try {
    const value = JSON.parse(sessionStorage.getItem(RESUME_KEY) ?? 'null') as { idField?: unknown; id?: unknown } | null;
    return typeof value?.idField === 'string' && typeof value.id === 'string' ? { idField: value.idField, id: value.id } : null;
  } catch {
    return null;
  }
}

/** A centred popup, blank (with a note) until the approval page's address is known. */
function openPopup(): Window | null {
  const width = 450;
  const height = 640;
  const left = Math.max(0, Math.round(window.screenX + (window.outerWidth - width) / 2));
  const top = Math.max(0, Math.round(window.screenY + (window.outerHeight - height) / 2));
  const popup = window.open('', `paypal_sandbox_${Date.now()}`, `popup=yes,width=${width},height=${height},left=${left},top=${top}`);
  if (!popup) return null;
  try {
    popup.document.title = 'PayPal';
    popup.document.body.textContent = 'Loading PayPal…';
  } catch {
    // Not ours to write into (should not happen for a blank window); the approval page follows anyway.
  }
  return popup;
}
