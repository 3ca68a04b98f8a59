import type { ComponentType } from 'react';
import type { PaymentProviderName } from '@/lib/payments/types';
import type { ApprovalButtonProps, ProviderPieces } from './pieces';
import { paypalApprovalButton } from './paypal';
import { stripePieces } from './stripe';

/** Each provider's browser pieces: the one place in components/ that lists providers. */
const PIECES: Partial<Record<PaymentProviderName, ProviderPieces>> = {
  stripe: stripePieces,
};

/** The buttons of providers whose buyers approve a payment in the provider's own window. */
const APPROVAL_BUTTONS: Partial<Record<PaymentProviderName, { ApprovalButton: ComponentType<ApprovalButtonProps> }>> = {
  paypal: { ApprovalButton: paypalApprovalButton },
};

export function piecesFor(provider: PaymentProviderName): ProviderPieces {
  const pieces = PIECES[provider];
  if (!pieces) throw new Error(`payment provider "${provider}" has no browser pieces: add its folder to components/payments/ and its entry to providers.ts`);
  return pieces;
}

export function approvalButtonFor(provider: PaymentProviderName): { ApprovalButton: ComponentType<ApprovalButtonProps> } {
  const button = APPROVAL_BUTTONS[provider];
  if (!button) throw new Error(`payment provider "${provider}" has no approval button: add it to components/payments/${provider}/ and to providers.ts`);
  return button;
}
