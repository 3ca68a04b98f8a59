'use client';

import type { ApprovalButtonProps } from './pieces';
import { approvalButtonFor } from './providers';

/** A provider's own button (PayPal) that pays the checkout's order through the provider's window. */
export function ApprovalStep(props: ApprovalButtonProps) {
  const { ApprovalButton } = approvalButtonFor(props.browser.provider);
  return <ApprovalButton {...props} />;
}
