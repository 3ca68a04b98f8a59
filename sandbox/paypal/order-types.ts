import type { Tx } from '../store';
import { mustGet, type PaypalContext, type PaypalRecord } from './context';
import type { PaypalMoney } from './money';

/**
 * Orders v2 and Payments v2 as the stand-in stores them. An order and each of its captures,
 * authorizations and refunds are separate records (the disputes area changes a capture without
 * touching its order); the order lists their ids in `internal.paymentIds`, and an order is shown
 * with its payments gathered back under `purchase_units[].payments`, read in one statement by id.
 * Resources are PayPal's JSON without `links`, which views add for the caller's base URL.
 */

export interface PaypalLink {
  href: string;
  rel: string;
  method: 'GET' | 'POST' | 'PATCH';
}

export type OrderStatus = 'CREATED' | 'SAVED' | 'APPROVED' | 'VOIDED' | 'COMPLETED' | 'PAYER_ACTION_REQUIRED';
export type OrderIntent = 'CAPTURE' | 'AUTHORIZE';

export interface OrderItem {
  name: string;
  quantity: string;
  unit_amount: PaypalMoney;
  tax?: PaypalMoney;
  description?: string;
  sku?: string;
  category?: 'DIGITAL_GOODS' | 'PHYSICAL_GOODS' | 'DONATION';
}

export interface AmountBreakdown {
  item_total?: PaypalMoney;
  shipping?: PaypalMoney;
  handling?: PaypalMoney;
  tax_total?: PaypalMoney;
  insurance?: PaypalMoney;
  shipping_discount?: PaypalMoney;
  discount?: PaypalMoney;
}

export interface OrderShipping {
  type?: 'SHIPPING' | 'PICKUP_IN_PERSON' | 'PICKUP_IN_STORE' | 'PICKUP_FROM_PERSON';
  name?: { full_name?: string };
  address?: { address_line_1?: string; address_line_2?: string; admin_area_2?: string; admin_area_1?: string; postal_code?: string; country_code: string };
}

export interface SellerProtection {
  status: 'ELIGIBLE' | 'PARTIALLY_ELIGIBLE' | 'NOT_ELIGIBLE';
  dispute_categories: ('ITEM_NOT_RECEIVED' | 'UNAUTHORIZED_TRANSACTION')[];
}

export type CaptureStatus = 'COMPLETED' | 'DECLINED' | 'PARTIALLY_REFUNDED' | 'PENDING' | 'REFUNDED' | 'FAILED';
export type CapturePendingReason = 'BUYER_COMPLAINT' | 'CHARGEBACK' | 'ECHECK' | 'INTERNATIONAL_WITHDRAWAL' | 'OTHER' | 'PENDING_REVIEW' | 'RECEIVING_PREFERENCE_MANDATES_MANUAL_ACTION' | 'REFUNDED' | 'TRANSACTION_APPROVED_AWAITING_FUNDING' | 'UNILATERAL' | 'VERIFICATION_REQUIRED';

export interface PaypalCapture {
  id: string;
  status: CaptureStatus;
  status_details?: { reason: CapturePendingReason };
  amount: PaypalMoney;
  final_capture: boolean;
  seller_protection: SellerProtection;
  seller_receivable_breakdown: { gross_amount: PaypalMoney; paypal_fee: PaypalMoney; net_amount: PaypalMoney };
  invoice_id?: string;
  custom_id?: string;
  supplementary_data: { related_ids: { order_id: string; authorization_id?: string } };
  payee: { email_address: string; merchant_id: string };
  create_time: string;
  update_time: string;
}

export type AuthorizationStatus = 'CREATED' | 'CAPTURED' | 'DENIED' | 'PARTIALLY_CAPTURED' | 'VOIDED' | 'PENDING';

export interface PaypalAuthorization {
  id: string;
  status: AuthorizationStatus;
  amount: PaypalMoney;
  invoice_id?: string;
  custom_id?: string;
  seller_protection: SellerProtection;
  expiration_time: string;
  supplementary_data: { related_ids: { order_id: string } };
  payee: { email_address: string; merchant_id: string };
  create_time: string;
  update_time: string;
}

export interface PaypalRefund {
  id: string;
  status: 'CANCELLED' | 'FAILED' | 'PENDING' | 'COMPLETED';
  amount: PaypalMoney;
  invoice_id?: string;
  note_to_payer?: string;
  seller_payable_breakdown: { gross_amount: PaypalMoney; paypal_fee: PaypalMoney; net_amount: PaypalMoney; total_refunded_amount: PaypalMoney };
  payer: { email_address: string; merchant_id: string };
  create_time: string;
  update_time: string;
}

export interface PurchaseUnit {
  reference_id: string;
  amount: PaypalMoney & { breakdown?: AmountBreakdown };
  payee: { email_address: string; merchant_id: string };
  description?: string;
  custom_id?: string;
  invoice_id?: string;
  soft_descriptor?: string;
  items?: OrderItem[];
  shipping?: OrderShipping;
}

export interface PaypalPayer {
  name: { given_name: string; surname: string };
  email_address: string;
  payer_id: string;
  address: { country_code: string };
}

export interface PaypalOrder {
  id: string;
  intent: OrderIntent;
  status: OrderStatus;
  purchase_units: PurchaseUnit[];
  payer?: PaypalPayer;
  payment_source?: { paypal: { email_address: string; account_id: string; account_status: 'VERIFIED' | 'UNVERIFIED'; name: PaypalPayer['name']; address: { country_code: string } } };
  create_time: string;
  update_time?: string;
}

/** What the buyer's checkout experience asked for: where the approval page sends the browser back, and what it shows. */
export interface ExperienceContext {
  return_url?: string;
  cancel_url?: string;
  brand_name?: string;
  user_action?: 'CONTINUE' | 'PAY_NOW';
  shipping_preference?: 'GET_FROM_FILE' | 'NO_SHIPPING' | 'SET_PROVIDED_ADDRESS';
}

export interface OrderInternal {
  experience: ExperienceContext;
  /** `payer-action` when the order was made with `payment_source.paypal`, `approve` with the legacy `application_context`. */
  approvalRel: 'approve' | 'payer-action';
  /** The test buyer (email) who approved it last. */
  buyer?: string;
  approvedAt?: number;
  /** Captures or authorizations refused by the buyer's funding; at MAX_PAYMENT_ATTEMPTS PayPal stops trying. */
  declinedAttempts: number;
  /** The approved funding was declined (INSTRUMENT_DECLINED): the buyer must approve again, choosing another. */
  fundingDeclined?: boolean;
  /** The buyer did what PayPal asked after a PAYER_ACTION_REQUIRED (approved again): the next capture goes through. */
  payerActed?: boolean;
  /** Captures, authorizations and refunds of this order, oldest first. */
  paymentIds: string[];
}

export interface CaptureInternal {
  orderId: string;
  referenceId: string;
  authorizationId?: string;
  buyer: string;
  /** A PENDING capture settles by itself at this time (Unix seconds), to `settleTo`. */
  settleAt?: number;
  settleTo?: 'COMPLETED' | 'DENIED';
  /** Minor units refunded or reversed so far. */
  refunded: number;
  /** The percentage part of the fee (minor units), returned pro rata when refunded. */
  percentFee: number;
}

export interface AuthorizationInternal {
  orderId: string;
  referenceId: string;
  buyer: string;
  /** Minor units captured so far. */
  captured: number;
}

export interface RefundInternal {
  orderId: string;
  referenceId: string;
  captureId: string;
}

export type OrderRecord = PaypalRecord<PaypalOrder, OrderInternal>;
export type CaptureRecord = PaypalRecord<PaypalCapture, CaptureInternal>;
export type AuthorizationRecord = PaypalRecord<PaypalAuthorization, AuthorizationInternal>;
export type RefundRecord = PaypalRecord<PaypalRefund, RefundInternal>;
export type PaymentRecord = CaptureRecord | AuthorizationRecord | RefundRecord;

/**
 * PayPal's default window (developer.paypal.com/api/orders/v2, the order's `links`): three hours
 * from creation for the buyer to approve, then three hours from approval to capture or authorize.
 */
export const ORDER_VALID_SECONDS = 3 * 3600;

/** The sandbox merchant every order pays (PayPal fills `payee` with the API caller's account). */
export const SANDBOX_PAYEE = { email_address: 'merchant@billfold.example', merchant_id: 'BFSANDBXMRCH2' } as const;

/** PayPal keeps the seller protection of a PayPal-wallet payment with a shipping address: eligible for both categories. */
export const SELLER_PROTECTION: SellerProtection = { status: 'ELIGIBLE', dispute_categories: ['ITEM_NOT_RECEIVED', 'UNAUTHORIZED_TRANSACTION'] };

/** The records of one order's payments, in one statement by primary key. */
export async function paymentsOf(tx: Tx, order: OrderRecord): Promise<PaymentRecord[]> {
  if (order.internal.paymentIds.length === 0) return [];
  const rows = await tx.sql<{ data: PaymentRecord }[]>`select data from sandbox.objects where id in ${tx.sql(order.internal.paymentIds)}`;
  const byId = new Map(rows.map((row) => [row.data.id, row.data]));
  return order.internal.paymentIds.map((id) => byId.get(id)).filter((record): record is PaymentRecord => record !== undefined);
}

/** An order by id, or PayPal's 404; `lock` while it changes. */
export async function loadOrder(ctx: Pick<PaypalContext, 'tx'>, id: string, options: { lock?: boolean } = {}): Promise<OrderRecord> {
  return mustGet<PaypalOrder, OrderInternal>(ctx.tx, 'paypal_order', id, options);
}
