import type { Tx } from '../store';
import type { FormObject } from './form';

export interface ApiKey {
  kind: 'secret' | 'publishable';
  key: string;
}

/** What a handler gets: the transaction, the caller and the request's identity. */
export interface RequestContext {
  tx: Tx;
  auth: ApiKey;
  requestId: string;
  idempotencyKey: string | null;
  params: FormObject;
  /** Path parameters, in order (`/v1/payment_intents/:id/confirm` → [id]). */
  path: string[];
  /** Events raised during the request, delivered after it commits. */
  raisedEvents: string[];
  /** This sandbox's own origin as the caller reached it (for 3-D Secure pages). */
  baseUrl: string;
  /**
   * Work the provider does a little after answering (a test refund that fails later), run in a
   * transaction of its own once this request has committed. Absent outside API requests.
   */
  later?: LaterWork[];
}

export interface LaterWork {
  delayMs: number;
  run(ctx: RequestContext): Promise<void>;
}
