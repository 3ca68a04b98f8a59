import type Stripe from 'stripe';
import type { RequestContext } from './context';
import { publicView } from './expand';
import { newId, nowSeconds } from './ids';
import { API_VERSION } from './version';

export type EventType = Stripe.Event.Type;
export type EventObject<T extends EventType> = Extract<Stripe.Event, { type: T }>['data']['object'];

/**
 * Records the event Stripe would send for a state change, and queues one delivery per enabled
 * webhook endpoint that listens for it, in the request's transaction: a rolled-back change
 * never sends an event, a committed one always does.
 */
export async function emit<T extends EventType>(
  ctx: Pick<RequestContext, 'tx' | 'requestId' | 'idempotencyKey' | 'raisedEvents'>,
  type: T,
  object: EventObject<T>,
  previousAttributes?: Partial<EventObject<T>>,
): Promise<Stripe.Event> {
  const event = {
    id: newId('evt'),
    object: 'event',
    api_version: API_VERSION,
    created: nowSeconds(),
    // Webhooks carry the stored event as is: private `_…` bookkeeping must not go with it.
    data: { object: publicView(object), ...(previousAttributes ? { previous_attributes: publicView(previousAttributes) } : {}) },
    livemode: false,
    pending_webhooks: 0,
    request: { id: ctx.requestId || null, idempotency_key: ctx.idempotencyKey },
    type,
  } as Stripe.Event;
  // One round trip: queue a delivery per listening endpoint and store the event with its
  // pending_webhooks count.
  const sql = ctx.tx.sql;
  const [row] = await sql<{ queued: number }[]>`
    with targets as (
      select id from sandbox.objects
      where type = 'webhook_endpoint' and data->>'status' = 'enabled'
        and (data->'enabled_events' ? '*' or data->'enabled_events' ? ${type})
    ),
    queued as (insert into sandbox.deliveries (event_id, endpoint_id) select ${event.id}, id from targets returning 1),
    stored as (
      insert into sandbox.objects (id, type, created, data)
      values (${event.id}, 'event', ${event.created}, jsonb_set(${sql.json(event as never)}::jsonb, '{pending_webhooks}', to_jsonb((select count(*) from targets))))
      returning 1
    )
    select (select count(*) from targets)::int as queued, (select count(*) from stored)::int as stored`;
  event.pending_webhooks = row?.queued ?? 0;
  ctx.raisedEvents.push(event.id);
  return event;
}

/** The fields of `after` that differ from `before`, with their old values, as Stripe reports them. */
export function previousAttributes<T extends object>(before: T, after: T): Partial<T> {
  const changed: Partial<T> = {};
  for (const key of Object.keys(after) as (keyof T)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changed[key] = before[key];
  }
  return changed;
}
