'use client';

import type { PaymentFormProps } from './pieces';
import { piecesFor } from './providers';

/** A payment the server has readied, finished in the browser by its provider's own form. */
export function PaymentStep(props: PaymentFormProps) {
  const { PaymentForm } = piecesFor(props.browser.provider);
  return <PaymentForm {...props} />;
}
