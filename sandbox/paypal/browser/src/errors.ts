import type { OnErrorData as PayPalError } from '@paypal/paypal-js/sdk-v6';

/**
 * The errors the stand-in reports through `onError` and `start()`, shaped as the SDK's
 * PayPalError (`code`, `isRecoverable`). The codes are the stand-in's own names for each case:
 * PayPal does not publish a list. `isRecoverable` says whether another presentation mode may
 * work (PayPal's documented fallback loop tries the next mode on a recoverable error).
 */

export type StandInErrorCode =
  /** The browser refused to open the approval popup. */
  | 'ERR_POPUP_BLOCKED'
  /** The promise of the order or subscription id rejected, or gave no id. */
  | 'ERR_CREATE_ORDER'
  /** The page's onApprove threw. */
  | 'ERR_ON_APPROVE'
  /** A presentation mode the stand-in does not offer for this session. */
  | 'ERR_PRESENTATION_MODE'
  /** The session was used after destroy(). */
  | 'ERR_SESSION_DESTROYED';

export function paypalError(code: StandInErrorCode, message: string, options: { isRecoverable?: boolean; cause?: unknown } = {}): PayPalError {
  const error = new Error(message, options.cause === undefined ? undefined : { cause: options.cause }) as PayPalError;
  error.name = 'PayPalError';
  error.code = code;
  error.isRecoverable = options.isRecoverable ?? false;
  return error;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
