/**
 * Stripe's testing page as data: every documented test card number, `pm_card_…` PaymentMethod
 * and `tok_…` token, with what Stripe's test mode does with it. The sandbox keeps only the last
 * four digits, brand, expiry and this behaviour; the full number never leaves the request that
 * carried it (the Stripe.js stand-in's iframe).
 *
 * Source: https://docs.stripe.com/testing (a Markdown copy of the page, read 2026-12-03), and
 * https://docs.stripe.com/radar/testing for `pm_card_chargeDeclinedFraudulent`. Left out: the
 * in-person PIN cards (card_present only), the captcha cards (a Stripe-hosted page's captcha)
 * and the HSA/FSA product codes, none of which an online card payment through this sandbox can
 * show. The four "3D Secure mobile challenge flow" cards are listed: in a browser or the API
 * they ask for 3-D Secure like any required card, as the page says.
 */

export type Brand = 'visa' | 'mastercard' | 'amex' | 'discover' | 'jcb' | 'diners' | 'unionpay' | 'cartes_bancaires' | 'eftpos_au';

/** A decline as the API reports it: the error's `code`, its `decline_code` and its message. */
export interface Decline {
  code: 'card_declined' | 'expired_card' | 'incorrect_cvc' | 'processing_error' | 'authentication_required';
  declineCode: string;
  message: string;
}

export type CardBehaviour =
  | { kind: 'succeeds' }
  | ({ kind: 'declines' } & Decline)
  /** Radar blocks the payment before it reaches the network (risk level "highest"). */
  | ({ kind: 'blocked' } & Decline)
  /** 3-D Secure when on-session; off-session works once the card is set up for it. */
  | { kind: 'authenticate_on_setup' }
  /** 3-D Secure on every on-session payment; off-session fails with authentication_required. `then`: declined even once authenticated. */
  | { kind: 'authenticate_always'; then?: Decline }
  /** Already set up for off-session use: off-session payments succeed, on-session ones ask for 3-D Secure. */
  | { kind: 'authenticate_on_session' }
  /** Attaches to a customer, then every charge declines. */
  | { kind: 'attach_then_decline'; then?: Decline }
  /** Fails the Luhn check: Stripe refuses the number itself with `incorrect_number`. */
  | { kind: 'incorrect_number' };

/** `card.checks` results a card forces when the value was given (Stripe runs no check on a value not sent). */
export interface ForcedChecks {
  cvc?: 'fail';
  postalCode?: 'fail' | 'unavailable';
  line1?: 'fail' | 'unavailable';
}

export type DisputeKind = 'fraudulent' | 'product_not_received' | 'inquiry' | 'early_fraud_warning' | 'multiple' | 'visa_ce3' | 'visa_compliance';

export interface TestCard {
  /** The card number; absent for a shortcut Stripe documents only as a PaymentMethod or token. */
  number?: string;
  /** What the testing page calls it, used to name this row's contract test. */
  description: string;
  brand: Brand;
  funding: 'credit' | 'debit' | 'prepaid';
  country: string;
  behaviour: CardBehaviour;
  paymentMethods?: readonly string[];
  tokens?: readonly string[];
  /** `charge.outcome.risk_level` (Radar); "normal" when absent. */
  risk?: 'elevated' | 'highest';
  checks?: ForcedChecks;
  /** What happens after a successful charge. */
  dispute?: DisputeKind;
  /** Refunds that change status later: pending then succeeded, or succeeded then failed. */
  refund?: 'pending_then_succeeds' | 'succeeds_then_fails';
  /** Funds go straight to the available balance (the sandbox has no Balance API: noted on the charge's metadata-free outcome only). */
  bypassPending?: boolean;
  /** 3-D Secure support when nothing requires it (`three_d_secure_usage.supported`). */
  threeDSecure?: 'optional' | 'not_supported';
}

const declined = (declineCode: string, message = 'Your card was declined.'): Decline => ({ code: 'card_declined', declineCode, message });

export const DECLINES = {
  generic: declined('generic_decline'),
  insufficientFunds: declined('insufficient_funds', 'Your card has insufficient funds.'),
  lostCard: declined('lost_card'),
  stolenCard: declined('stolen_card'),
  // The page gives no decline code for these three; Stripe's responses repeat the error code.
  expiredCard: { code: 'expired_card', declineCode: 'expired_card', message: 'Your card has expired.' },
  incorrectCvc: { code: 'incorrect_cvc', declineCode: 'incorrect_cvc', message: "Your card's security code is incorrect." },
  processingError: { code: 'processing_error', declineCode: 'processing_error', message: 'An error occurred while processing your card. Try again in a little bit.' },
  velocityExceeded: declined('card_velocity_exceeded', 'Your card was declined for making repeated attempts too frequently or exceeding its amount limit.'),
  fraudulent: declined('fraudulent'),
  /** What test mode answers for a real card number (not a test card). */
  testModeLiveCard: declined(
    'test_mode_live_card',
    'Your card was declined. Your request was in test mode, but used a non test (live) card. For a list of valid test cards, visit: https://stripe.com/docs/testing.',
  ),
} satisfies Record<string, Decline>;

const OK = { kind: 'succeeds' } as const;

function visa(country: string, number: string, paymentMethod: string, description = `Visa (${country})`): TestCard {
  return { number, description, brand: 'visa', funding: 'credit', country, behaviour: OK, paymentMethods: [paymentMethod], tokens: [paymentMethod.replace(/^pm_card_/, 'tok_')] };
}

/** The table. Each row is one contract test in tests/test-cards.test.ts. */
export const TEST_CARDS: readonly TestCard[] = [
  // ---- Cards by brand ----------------------------------------------------------------------
  { number: '4242424242424242', description: 'Visa', brand: 'visa', funding: 'credit', country: 'US', behaviour: OK, paymentMethods: ['pm_card_visa'], tokens: ['tok_visa'] },
  { number: '4000056655665556', description: 'Visa (debit)', brand: 'visa', funding: 'debit', country: 'US', behaviour: OK, paymentMethods: ['pm_card_visa_debit'], tokens: ['tok_visa_debit'] },
  { number: '5555555555554444', description: 'Mastercard', brand: 'mastercard', funding: 'credit', country: 'US', behaviour: OK, paymentMethods: ['pm_card_mastercard'], tokens: ['tok_mastercard'] },
  { number: '2223003122003222', description: 'Mastercard (2-series)', brand: 'mastercard', funding: 'credit', country: 'US', behaviour: OK },
  { number: '5200828282828210', description: 'Mastercard (debit)', brand: 'mastercard', funding: 'debit', country: 'US', behaviour: OK, paymentMethods: ['pm_card_mastercard_debit'], tokens: ['tok_mastercard_debit'] },
  { number: '5105105105105100', description: 'Mastercard (prepaid)', brand: 'mastercard', funding: 'prepaid', country: 'US', behaviour: OK, paymentMethods: ['pm_card_mastercard_prepaid'], tokens: ['tok_mastercard_prepaid'] },
  { number: '378282246310005', description: 'American Express (3-D Secure not supported)', brand: 'amex', funding: 'credit', country: 'US', behaviour: OK, threeDSecure: 'not_supported', paymentMethods: ['pm_card_amex', 'pm_card_amex_threeDSecureNotSupported'], tokens: ['tok_amex', 'tok_amex_threeDSecureNotSupported'] },
  { number: '371449635398431', description: 'American Express', brand: 'amex', funding: 'credit', country: 'US', behaviour: OK },
  { number: '6011111111111117', description: 'Discover', brand: 'discover', funding: 'credit', country: 'US', behaviour: OK, paymentMethods: ['pm_card_discover'], tokens: ['tok_discover'] },
  { number: '6011000990139424', description: 'Discover', brand: 'discover', funding: 'credit', country: 'US', behaviour: OK },
  { number: '6011981111111113', description: 'Discover (debit)', brand: 'discover', funding: 'debit', country: 'US', behaviour: OK },
  { number: '3056930009020004', description: 'Diners Club', brand: 'diners', funding: 'credit', country: 'US', behaviour: OK, paymentMethods: ['pm_card_diners'], tokens: ['tok_diners'] },
  { number: '36227206271667', description: 'Diners Club (14-digit card)', brand: 'diners', funding: 'credit', country: 'US', behaviour: OK },
  { number: '6555900000604105', description: 'BCcard and DinaCard', brand: 'discover', funding: 'credit', country: 'US', behaviour: OK, paymentMethods: ['pm_card_bcc'], tokens: ['tok_bcc'] },
  { number: '3566002020360505', description: 'JCB', brand: 'jcb', funding: 'credit', country: 'JP', behaviour: OK, paymentMethods: ['pm_card_jcb'], tokens: ['tok_jcb'] },
  { number: '6200000000000005', description: 'UnionPay', brand: 'unionpay', funding: 'credit', country: 'CN', behaviour: OK, paymentMethods: ['pm_card_unionpay'], tokens: ['tok_unionpay'] },
  { number: '6200000000000047', description: 'UnionPay (debit)', brand: 'unionpay', funding: 'debit', country: 'CN', behaviour: OK, paymentMethods: ['pm_card_unionpay_debit'], tokens: ['tok_unionpay_debit'] },
  { number: '6205500000000000004', description: 'UnionPay (19-digit card)', brand: 'unionpay', funding: 'credit', country: 'CN', behaviour: OK },
  // Co-branded cards: the network the sandbox reports is the first brand.
  { number: '4000002500001001', description: 'Cartes Bancaires / Visa', brand: 'visa', funding: 'credit', country: 'FR', behaviour: OK, paymentMethods: ['pm_card_visa_cartesBancaires'], tokens: ['tok_visa_cartesBancaires'] },
  { number: '5555552500001001', description: 'Cartes Bancaires / Mastercard', brand: 'mastercard', funding: 'credit', country: 'FR', behaviour: OK, paymentMethods: ['pm_card_mastercard_cartesBancaires'], tokens: ['tok_mastercard_cartesBancaires'] },
  { number: '4000050360000001', description: 'eftpos Australia / Visa', brand: 'visa', funding: 'debit', country: 'AU', behaviour: OK, paymentMethods: ['pm_card_visa_debit_eftposAuCoBranded'], tokens: ['tok_visa_debit_eftposAuCoBranded'] },
  { number: '5555050360000080', description: 'eftpos Australia / Mastercard', brand: 'mastercard', funding: 'debit', country: 'AU', behaviour: OK, paymentMethods: ['pm_card_mastercard_debit_eftposAuCoBranded'], tokens: ['tok_mastercard_debit_eftposAuCoBranded'] },

  // ---- Cards by country --------------------------------------------------------------------
  visa('US', '4242424242424242', 'pm_card_us'),
  visa('AR', '4000000320000021', 'pm_card_ar'),
  visa('BR', '4000000760000002', 'pm_card_br'),
  visa('CA', '4000001240000000', 'pm_card_ca'),
  visa('CL', '4000001520000001', 'pm_card_cl'),
  visa('CO', '4000001700000003', 'pm_card_co'),
  visa('CR', '4000001880000005', 'pm_card_cr'),
  visa('EC', '4000002180000000', 'pm_card_ec'),
  visa('MX', '4000004840008001', 'pm_card_mx'),
  visa('PA', '4000005910000000', 'pm_card_pa'),
  visa('PY', '4000006000000066', 'pm_card_py'),
  visa('PE', '4000006040000068', 'pm_card_pe'),
  visa('UY', '4000008580000003', 'pm_card_uy'),
  visa('AE', '4000007840000001', 'pm_card_ae'),
  { number: '5200007840000022', description: 'Mastercard (AE)', brand: 'mastercard', funding: 'credit', country: 'AE', behaviour: OK, paymentMethods: ['pm_card_ae_mastercard'], tokens: ['tok_ae_mastercard'] },
  visa('AT', '4000000400000008', 'pm_card_at'),
  visa('BE', '4000000560000004', 'pm_card_be'),
  visa('BG', '4000001000000000', 'pm_card_bg'),
  visa('BY', '4000001120000005', 'pm_card_by'),
  visa('HR', '4000001910000009', 'pm_card_hr'),
  visa('CY', '4000001960000008', 'pm_card_cy'),
  visa('CZ', '4000002030000002', 'pm_card_cz'),
  visa('DK', '4000002080000001', 'pm_card_dk'),
  visa('EE', '4000002330000009', 'pm_card_ee'),
  visa('FI', '4000002460000001', 'pm_card_fi'),
  visa('FR', '4000002500000003', 'pm_card_fr'),
  visa('DE', '4000002760000016', 'pm_card_de'),
  visa('GI', '4000002920000005', 'pm_card_gi'),
  visa('GR', '4000003000000030', 'pm_card_gr'),
  visa('HU', '4000003480000005', 'pm_card_hu'),
  visa('IE', '4000003720000005', 'pm_card_ie'),
  visa('IT', '4000003800000008', 'pm_card_it'),
  visa('LV', '4000004280000005', 'pm_card_lv'),
  visa('LI', '4000004380000004', 'pm_card_li'),
  visa('LT', '4000004400000000', 'pm_card_lt'),
  visa('LU', '4000004420000006', 'pm_card_lu'),
  visa('MT', '4000004700000007', 'pm_card_mt'),
  visa('NL', '4000005280000002', 'pm_card_nl'),
  visa('NO', '4000005780000007', 'pm_card_no'),
  visa('PL', '4000006160000005', 'pm_card_pl'),
  visa('PT', '4000006200000007', 'pm_card_pt'),
  visa('RO', '4000006420000001', 'pm_card_ro'),
  visa('SA', '4000006820000007', 'pm_card_sa'),
  visa('SI', '4000007050000006', 'pm_card_si'),
  visa('SK', '4000007030000001', 'pm_card_sk'),
  visa('ES', '4000007240000007', 'pm_card_es'),
  visa('SE', '4000007520000008', 'pm_card_se'),
  visa('CH', '4000007560000009', 'pm_card_ch'),
  visa('GB', '4000008260000000', 'pm_card_gb'),
  { number: '4000058260000005', description: 'Visa (debit) (GB)', brand: 'visa', funding: 'debit', country: 'GB', behaviour: OK, paymentMethods: ['pm_card_gb_debit'], tokens: ['tok_gb_debit'] },
  { number: '5555558265554449', description: 'Mastercard (GB)', brand: 'mastercard', funding: 'credit', country: 'GB', behaviour: OK, paymentMethods: ['pm_card_gb_mastercard'], tokens: ['tok_gb_mastercard'] },
  visa('AU', '4000000360000006', 'pm_card_au'),
  visa('CN', '4000001560000002', 'pm_card_cn'),
  visa('HK', '4000003440000004', 'pm_card_hk'),
  visa('IN', '4000003560000008', 'pm_card_in'),
  visa('JP', '4000003920000003', 'pm_card_jp'),
  { number: '3530111333300000', description: 'JCB (JP)', brand: 'jcb', funding: 'credit', country: 'JP', behaviour: OK },
  visa('MY', '4000004580000002', 'pm_card_my'),
  visa('NZ', '4000005540000008', 'pm_card_nz'),
  visa('SG', '4000007020000003', 'pm_card_sg'),
  visa('TW', '4000001580000008', 'pm_card_tw'),
  { number: '4000007640000003', description: 'Visa (credit) (TH)', brand: 'visa', funding: 'credit', country: 'TH', behaviour: OK, paymentMethods: ['pm_card_th_credit'], tokens: ['tok_th_credit'] },
  { number: '4000057640000008', description: 'Visa (debit) (TH)', brand: 'visa', funding: 'debit', country: 'TH', behaviour: OK, paymentMethods: ['pm_card_th_debit'], tokens: ['tok_th_debit'] },

  // ---- Declined payments -------------------------------------------------------------------
  { number: '4000000000000002', description: 'generic decline', brand: 'visa', funding: 'credit', country: 'US', behaviour: { kind: 'declines', ...DECLINES.generic }, paymentMethods: ['pm_card_visa_chargeDeclined', 'pm_card_chargeDeclined'], tokens: ['tok_visa_chargeDeclined', 'tok_chargeDeclined'] },
  { number: '4000000000009995', description: 'insufficient funds', brand: 'visa', funding: 'credit', country: 'US', behaviour: { kind: 'declines', ...DECLINES.insufficientFunds }, paymentMethods: ['pm_card_visa_chargeDeclinedInsufficientFunds', 'pm_card_chargeDeclinedInsufficientFunds'], tokens: ['tok_visa_chargeDeclinedInsufficientFunds'] },
  { description: 'insufficient debit funds', brand: 'visa', funding: 'debit', country: 'US', behaviour: { kind: 'declines', ...DECLINES.insufficientFunds }, tokens: ['tok_visa_debit_chargeDeclinedInsufficientFunds'] },
  { number: '4000000000009987', description: 'lost card', brand: 'visa', funding: 'credit', country: 'US', behaviour: { kind: 'declines', ...DECLINES.lostCard }, paymentMethods: ['pm_card_visa_chargeDeclinedLostCard'], tokens: ['tok_visa_chargeDeclinedLostCard'] },
  { number: '4000000000009979', description: 'stolen card', brand: 'visa', funding: 'credit', country: 'US', behaviour: { kind: 'declines', ...DECLINES.stolenCard }, paymentMethods: ['pm_card_visa_chargeDeclinedStolenCard'], tokens: ['tok_visa_chargeDeclinedStolenCard'] },
  { number: '4000000000000069', description: 'expired card', brand: 'visa', funding: 'credit', country: 'US', behaviour: { kind: 'declines', ...DECLINES.expiredCard }, paymentMethods: ['pm_card_chargeDeclinedExpiredCard'], tokens: ['tok_chargeDeclinedExpiredCard', 'tok_visa_chargeDeclinedExpiredCard'] },
  { number: '4000000000000127', description: 'incorrect CVC', brand: 'visa', funding: 'credit', country: 'US', behaviour: { kind: 'declines', ...DECLINES.incorrectCvc }, paymentMethods: ['pm_card_chargeDeclinedIncorrectCvc'], tokens: ['tok_chargeDeclinedIncorrectCvc', 'tok_visa_chargeDeclinedIncorrectCvc'] },
  { number: '4000000000000119', description: 'processing error', brand: 'visa', funding: 'credit', country: 'US', behaviour: { kind: 'declines', ...DECLINES.processingError }, paymentMethods: ['pm_card_chargeDeclinedProcessingError'], tokens: ['tok_chargeDeclinedProcessingError', 'tok_visa_chargeDeclinedProcessingError'] },
  { number: '4242424242424241', description: 'incorrect number', brand: 'visa', funding: 'credit', country: 'US', behaviour: { kind: 'incorrect_number' } },
  { number: '4000000000006975', description: 'velocity limit exceeded', brand: 'visa', funding: 'credit', country: 'US', behaviour: { kind: 'declines', ...DECLINES.velocityExceeded }, paymentMethods: ['pm_card_visa_chargeDeclinedVelocityLimitExceeded'], tokens: ['tok_visa_chargeDeclinedVelocityLimitExceeded'] },
  { number: '4000000000000341', description: 'decline after attaching', brand: 'visa', funding: 'credit', country: 'US', behaviour: { kind: 'attach_then_decline', then: DECLINES.generic }, paymentMethods: ['pm_card_chargeCustomerFail'], tokens: ['tok_chargeCustomerFail', 'tok_visa_chargeCustomerFail'] },
  { description: 'decline after attaching (lost card)', brand: 'visa', funding: 'credit', country: 'US', behaviour: { kind: 'attach_then_decline', then: DECLINES.lostCard }, tokens: ['tok_visa_chargeCustomerFailLostCard'] },
  { description: 'decline after attaching (stolen card)', brand: 'visa', funding: 'credit', country: 'US', behaviour: { kind: 'attach_then_decline', then: DECLINES.stolenCard }, tokens: ['tok_visa_chargeCustomerFailStolenCard'] },

  // ---- Fraud prevention (Radar, with its default rules) --------------------------------------
  // The testing page lists tok_visa_chargeDeclinedFraudulent with "expired_card", which contradicts
  // its own name and the Radar testing page (4100000000000019, always blocked): the Radar page wins.
  { number: '4100000000000019', description: 'Radar: always blocked', brand: 'visa', funding: 'credit', country: 'US', risk: 'highest', behaviour: { kind: 'blocked', ...DECLINES.fraudulent }, paymentMethods: ['pm_card_radarBlock', 'pm_card_chargeDeclinedFraudulent'], tokens: ['tok_radarBlock', 'tok_chargeDeclinedFraudulent', 'tok_visa_chargeDeclinedFraudulent'] },
  // "Radar might block it depending on your settings": the default rule blocks the highest risk level.
  { number: '4000000000004954', description: 'Radar: highest risk', brand: 'visa', funding: 'credit', country: 'US', risk: 'highest', behaviour: { kind: 'blocked', ...DECLINES.fraudulent }, paymentMethods: ['pm_card_riskLevelHighest'], tokens: ['tok_riskLevelHighest'] },
  { number: '4000000000009235', description: 'Radar: elevated risk', brand: 'visa', funding: 'credit', country: 'US', risk: 'elevated', behaviour: OK, paymentMethods: ['pm_card_riskLevelElevated'], tokens: ['tok_riskLevelElevated'] },
  // Radar's default rule blocks a failed CVC check; a card paid without a CVC is never checked.
  { number: '4000000000000101', description: 'CVC check fails', brand: 'visa', funding: 'credit', country: 'US', checks: { cvc: 'fail' }, behaviour: OK, paymentMethods: ['pm_card_cvcCheckFail'], tokens: ['tok_cvcCheckFail'] },
  { number: '4000000000000036', description: 'postal code check fails', brand: 'visa', funding: 'credit', country: 'US', checks: { postalCode: 'fail' }, behaviour: OK, paymentMethods: ['pm_card_avsZipFail'], tokens: ['tok_avsZipFail'] },
  { number: '4000058400307872', description: 'CVC check fails with elevated risk', brand: 'visa', funding: 'credit', country: 'US', risk: 'elevated', checks: { cvc: 'fail' }, behaviour: OK, paymentMethods: ['pm_card_cvcCheckFailElevatedRisk'], tokens: ['tok_cvcCheckFailElevatedRisk'] },
  { number: '4000058400306072', description: 'postal code check fails with elevated risk', brand: 'visa', funding: 'credit', country: 'US', risk: 'elevated', checks: { postalCode: 'fail' }, behaviour: OK, paymentMethods: ['pm_card_avsZipFailElevatedRisk'], tokens: ['tok_avsZipFailElevatedRisk'] },
  { number: '4000000000000028', description: 'line1 check fails', brand: 'visa', funding: 'credit', country: 'US', checks: { line1: 'fail' }, behaviour: OK, paymentMethods: ['pm_card_avsLine1Fail'], tokens: ['tok_avsLine1Fail'] },
  { number: '4000000000000010', description: 'address checks fail', brand: 'visa', funding: 'credit', country: 'US', checks: { line1: 'fail', postalCode: 'fail' }, behaviour: OK, paymentMethods: ['pm_card_avsFail'], tokens: ['tok_avsFail'] },
  { number: '4000000000000044', description: 'address unavailable', brand: 'visa', funding: 'credit', country: 'US', checks: { line1: 'unavailable', postalCode: 'unavailable' }, behaviour: OK, paymentMethods: ['pm_card_avsUnchecked'], tokens: ['tok_avsUnchecked'] },

  // ---- Disputes ----------------------------------------------------------------------------
  { number: '4000000000000259', description: 'dispute: fraudulent', brand: 'visa', funding: 'credit', country: 'US', behaviour: OK, dispute: 'fraudulent', paymentMethods: ['pm_card_createDispute'], tokens: ['tok_createDispute'] },
  { number: '4000000000002685', description: 'dispute: product not received', brand: 'visa', funding: 'credit', country: 'US', behaviour: OK, dispute: 'product_not_received', paymentMethods: ['pm_card_createDisputeProductNotReceived'], tokens: ['tok_createDisputeProductNotReceived'] },
  { number: '4000000000001976', description: 'dispute: inquiry', brand: 'visa', funding: 'credit', country: 'US', behaviour: OK, dispute: 'inquiry', paymentMethods: ['pm_card_createDisputeInquiry'], tokens: ['tok_createDisputeInquiry'] },
  { number: '4000000000005423', description: 'early fraud warning', brand: 'visa', funding: 'credit', country: 'US', behaviour: OK, dispute: 'early_fraud_warning', paymentMethods: ['pm_card_createIssuerFraudRecord'], tokens: ['tok_createIssuerFraudRecord'] },
  { number: '4000000404000079', description: 'dispute: multiple disputes', brand: 'visa', funding: 'credit', country: 'US', behaviour: OK, dispute: 'multiple', paymentMethods: ['pm_card_createMultipleDisputes'], tokens: ['tok_createMultipleDisputes'] },
  { number: '4000000404000038', description: 'dispute: Visa Compelling Evidence 3.0', brand: 'visa', funding: 'credit', country: 'US', behaviour: OK, dispute: 'visa_ce3', paymentMethods: ['pm_card_createCe3EligibleDispute'], tokens: ['tok_createCe3EligibleDispute'] },
  { number: '4000008400000779', description: 'dispute: Visa compliance', brand: 'visa', funding: 'credit', country: 'US', behaviour: OK, dispute: 'visa_compliance', paymentMethods: ['pm_card_createComplianceDispute'], tokens: ['tok_createComplianceDispute'] },

  // ---- Refunds -----------------------------------------------------------------------------
  { number: '4000000000007726', description: 'refund: asynchronous success', brand: 'visa', funding: 'credit', country: 'US', behaviour: OK, refund: 'pending_then_succeeds', paymentMethods: ['pm_card_pendingRefund'], tokens: ['tok_pendingRefund'] },
  { number: '4000000000005126', description: 'refund: asynchronous failure', brand: 'visa', funding: 'credit', country: 'US', behaviour: OK, refund: 'succeeds_then_fails', paymentMethods: ['pm_card_refundFail'], tokens: ['tok_refundFail'] },

  // ---- Available balance -------------------------------------------------------------------
  { number: '4000000000000077', description: 'bypass pending balance', brand: 'visa', funding: 'credit', country: 'US', behaviour: OK, bypassPending: true, paymentMethods: ['pm_card_bypassPending'], tokens: ['tok_bypassPending'] },
  { number: '4000003720000278', description: 'bypass pending balance (international)', brand: 'visa', funding: 'credit', country: 'IE', behaviour: OK, bypassPending: true, paymentMethods: ['pm_card_bypassPendingInternational'], tokens: ['tok_bypassPendingInternational'] },

  // ---- 3-D Secure: authentication and setup ------------------------------------------------
  { number: '4000002500003155', description: '3DS: authenticate unless set up', brand: 'visa', funding: 'credit', country: 'IE', behaviour: { kind: 'authenticate_on_setup' }, paymentMethods: ['pm_card_authenticationRequiredOnSetup'], tokens: ['tok_authenticationRequiredOnSetup'] },
  { number: '4000002760003184', description: '3DS: always authenticate', brand: 'visa', funding: 'credit', country: 'DE', behaviour: { kind: 'authenticate_always' }, paymentMethods: ['pm_card_authenticationRequired'], tokens: ['tok_authenticationRequired'] },
  { number: '4000003800000446', description: '3DS: already set up', brand: 'visa', funding: 'credit', country: 'IT', behaviour: { kind: 'authenticate_on_session' }, paymentMethods: ['pm_card_authenticationRequiredSetupForOffSession'], tokens: ['tok_authenticationRequiredSetupForOffSession'] },
  { number: '4000008260003178', description: '3DS: insufficient funds after authentication', brand: 'visa', funding: 'credit', country: 'GB', behaviour: { kind: 'authenticate_always', then: DECLINES.insufficientFunds }, paymentMethods: ['pm_card_authenticationRequiredChargeDeclinedInsufficientFunds'], tokens: ['tok_authenticationRequiredChargeDeclinedInsufficientFunds'] },

  // ---- 3-D Secure: support and availability -------------------------------------------------
  { number: '4000000000003220', description: '3DS2 required (challenge)', brand: 'visa', funding: 'credit', country: 'US', behaviour: { kind: 'authenticate_always' }, paymentMethods: ['pm_card_threeDSecure2Required'], tokens: ['tok_threeDSecure2Required'] },
  { number: '4000008400001629', description: '3DS required, declined after authentication', brand: 'visa', funding: 'credit', country: 'US', behaviour: { kind: 'authenticate_always', then: DECLINES.generic }, paymentMethods: ['pm_card_threeDSecureRequiredChargeDeclined'], tokens: ['tok_threeDSecureRequiredChargeDeclined'] },
  // "The 3D Secure lookup request fails with a processing error. Payments are declined with a card_declined failure code."
  { number: '4000008400001280', description: '3DS required, lookup fails', brand: 'visa', funding: 'credit', country: 'US', behaviour: { kind: 'declines', ...DECLINES.generic }, paymentMethods: ['pm_card_threeDSecureRequiredProcessingError'], tokens: ['tok_threeDSecureRequiredProcessingError'] },
  { number: '4000000000003055', description: '3DS supported, not required (frictionless)', brand: 'visa', funding: 'credit', country: 'US', behaviour: OK, threeDSecure: 'optional', paymentMethods: ['pm_card_threeDSecureOptional'], tokens: ['tok_threeDSecureOptional'] },
  // Nothing requests 3-D Secure for it by default, so the payment goes through unauthenticated.
  { number: '4000000000003097', description: '3DS supported, attempts error', brand: 'visa', funding: 'credit', country: 'US', behaviour: OK, threeDSecure: 'optional', paymentMethods: ['pm_card_threeDSecureOptionalProcessingError'], tokens: ['tok_threeDSecureOptionalProcessingError'] },
  // Mobile challenge flows: in a browser or the API, 3-D Secure required like any other.
  { number: '4000582600000094', description: '3DS2 mobile challenge: out of band', brand: 'visa', funding: 'credit', country: 'GB', behaviour: { kind: 'authenticate_always' } },
  { number: '4000582600000045', description: '3DS2 mobile challenge: one time passcode', brand: 'visa', funding: 'credit', country: 'GB', behaviour: { kind: 'authenticate_always' } },
  { number: '4000582600000102', description: '3DS2 mobile challenge: single select', brand: 'visa', funding: 'credit', country: 'GB', behaviour: { kind: 'authenticate_always' } },
  { number: '4000582600000110', description: '3DS2 mobile challenge: multi select', brand: 'visa', funding: 'credit', country: 'GB', behaviour: { kind: 'authenticate_always' } },
];

/** A row per distinct number (the first wins: 4242… is both "Visa" and "Visa (US)"). */
const BY_NUMBER = new Map<string, TestCard>();
/** Every documented `pm_card_…` and `tok_…` id, and its row. */
const BY_SHORTCUT = new Map<string, TestCard>();
for (const card of TEST_CARDS) {
  if (card.number && !BY_NUMBER.has(card.number)) BY_NUMBER.set(card.number, card);
  for (const id of [...(card.paymentMethods ?? []), ...(card.tokens ?? [])]) if (!BY_SHORTCUT.has(id)) BY_SHORTCUT.set(id, card);
}

export function brandOf(number: string): Brand {
  if (/^3[47]/.test(number)) return 'amex';
  if (/^(5[1-5]|2[2-7])/.test(number)) return 'mastercard';
  if (/^6(011|5)/.test(number)) return 'discover';
  if (/^35/.test(number)) return 'jcb';
  if (/^3(0|6|8)/.test(number)) return 'diners';
  if (/^62/.test(number)) return 'unionpay';
  return 'visa';
}

/**
 * The row for a card number. A valid number that is not a test card is what test mode calls a
 * live card: declined with `test_mode_live_card`, never charged.
 */
export function cardFor(number: string): TestCard {
  return BY_NUMBER.get(number) ?? { number, description: 'a live card', brand: brandOf(number), funding: 'credit', country: 'US', behaviour: { kind: 'declines', ...DECLINES.testModeLiveCard } };
}

/** The row for a `pm_card_…` or `tok_…` shortcut, if Stripe documents it. */
export function shortcutCard(id: string): TestCard | undefined {
  return BY_SHORTCUT.get(id);
}

export function isTestCardNumber(number: string): boolean {
  return BY_NUMBER.has(number);
}
