import type { ComponentType } from 'react';
import type { PaymentProviderName } from '@/lib/payments/types';
import type { ApprovalButtonProps, ProviderPieces, SubscriptionButtonProps } from './pieces';
import { paypalApprovalButton, paypalSubscriptionButton } from './paypal';
import { stripePieces } from './stripe';

/** Each provider's browser pieces: the one place in components/ that lists providers. */
const PIECES: Partial<Record<PaymentProviderName, ProviderPieces>> = {
  stripe: stripePieces,
};

interface ApprovalButtons {
  ApprovalButton: ComponentType<ApprovalButtonProps>;
  SubscriptionButton: ComponentType<SubscriptionButtonProps>;
}

/** The buttons of providers whose buyers approve a payment (or a subscription) in the provider's own window. */
const APPROVAL_BUTTONS: Partial<Record<PaymentProviderName, ApprovalButtons>> = {
  paypal: { ApprovalButton: paypalApprovalButton, SubscriptionButton: paypalSubscriptionButton },
};

export function piecesFor(provider: PaymentProviderName): ProviderPieces {
  const pieces = PIECES[provider];
  if (!pieces) throw new Error(`payment provider "${provider}" has no browser pieces: add its folder to components/payments/ and its entry to providers.ts`);
  return pieces;
}

export function approvalButtonFor(provider: PaymentProviderName): ApprovalButtons {
  const button = APPROVAL_BUTTONS[provider];
  if (!button) throw new Error(`payment provider "${provider}" has no approval button: add it to components/payments/${provider}/ and to providers.ts`);
  return button;
}
