'use client';

import type { CardFormProps } from './pieces';
import { piecesFor } from './providers';

/**
 * A card typed into its provider's own form, then a payment or a card update made by the server
 * on submit and finished in the browser.
 */
export function CardStep(props: CardFormProps) {
  const { CardForm } = piecesFor(props.browser.provider);
  return <CardForm {...props} />;
}
