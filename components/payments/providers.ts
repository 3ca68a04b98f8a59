import type { PaymentProviderName } from '@/lib/payments/types';
import type { ProviderPieces } from './pieces';
import { stripePieces } from './stripe';

/** Each provider's browser pieces: the one place in components/ that lists providers. */
const PIECES: Partial<Record<PaymentProviderName, ProviderPieces>> = {
  stripe: stripePieces,
};

export function piecesFor(provider: PaymentProviderName): ProviderPieces {
  const pieces = PIECES[provider];
  if (!pieces) throw new Error(`payment provider "${provider}" has no browser pieces: add its folder to components/payments/ and its entry to providers.ts`);
  return pieces;
}
