'use client';

import type { SubscriptionButtonProps } from './pieces';
import { approvalButtonFor } from './providers';

/** A provider's own button (PayPal) that starts a subscription the buyer approves in the provider's window. */
export function SubscriptionApprovalStep(props: SubscriptionButtonProps) {
  const { SubscriptionButton } = approvalButtonFor(props.browser.provider);
  return <SubscriptionButton {...props} />;
}
