import type {
  EligiblePaymentMethodsOutput,
  FindEligibleMethodsGetDetails,
  FindEligiblePaymentMethodsResponse,
  FundingSource,
} from '@paypal/paypal-js/sdk-v6';

/**
 * Which payment methods the buttons may offer. PayPal answers from its eligibility API
 * (`POST /v2/payments/find-eligible-methods`) by buyer country, currency and merchant settings;
 * the sandbox offers PayPal itself, the one method it emulates, so a page that checks
 * `isEligible("venmo")` or `"paylater"` hides those buttons as it would for an ineligible buyer.
 */

/** The eligibility API's method names → the funding sources the SDK asks about. */
const FUNDING_SOURCE_OF: Record<keyof FindEligiblePaymentMethodsResponse['eligible_methods'], FundingSource> = {
  paypal: 'paypal',
  paypal_pay_later: 'paylater',
  paypal_credit: 'credit',
  venmo: 'venmo',
  apple_pay: 'applepay',
  google_pay: 'googlepay',
  advanced_cards: 'advanced_cards',
  basic_cards: 'card',
};

export const SANDBOX_ELIGIBILITY: FindEligiblePaymentMethodsResponse = {
  eligible_methods: { paypal: { can_be_vaulted: false, eligible_in_paypal_network: true, recommended: true, recommended_priority: 1 } },
  supplementary_data: { buyer_country_code: 'US' },
};

/** The SDK's view of an eligibility answer (`findEligibleMethods`, `hydrateEligibleMethods`). */
export function eligibilityOutput(response: FindEligiblePaymentMethodsResponse): EligiblePaymentMethodsOutput {
  const details = new Map<FundingSource, NonNullable<FindEligiblePaymentMethodsResponse['eligible_methods']['paypal']>>();
  for (const [method, detail] of Object.entries(response.eligible_methods ?? {})) {
    const source = FUNDING_SOURCE_OF[method as keyof typeof FUNDING_SOURCE_OF];
    if (source && detail) details.set(source, detail);
  }
  return {
    isEligible: (fundingSource) => details.has(fundingSource),
    getDetails: <T extends FundingSource>(fundingSource: T) => {
      const detail = details.get(fundingSource);
      // The SDK's details are camel-cased; an ineligible method has none worth reading.
      return {
        canBeVaulted: detail?.can_be_vaulted ?? false,
        ...(detail?.country_code ? { countryCode: detail.country_code } : {}),
        ...(detail?.product_code ? { productCode: detail.product_code } : {}),
      } as FindEligibleMethodsGetDetails<T>;
    },
  };
}
