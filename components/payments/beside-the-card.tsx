import type { ReactNode } from 'react';
import { Alert } from '@/components/ui/alert';

export type ButtonMessage = { tone: 'info' | 'error'; text: string };

/**
 * Providers' own buttons (PayPal) above the card form, with what they last told the buyer and
 * the divider before the card: the checkout's and the subscribe page's, alike.
 */
export function BesideTheCard({ message, children }: { message: ButtonMessage | null; children: ReactNode }) {
  return (
    <div className="mb-5">
      {message ? (
        <div className="mb-3">
          <Alert tone={message.tone}>{message.text}</Alert>
        </div>
      ) : null}
      <div className="space-y-3">{children}</div>
      <p className="mt-5 flex items-center gap-3 text-xs tracking-wide text-stone-500 uppercase before:h-px before:flex-1 before:bg-stone-200 after:h-px after:flex-1 after:bg-stone-200">
        or pay by card
      </p>
    </div>
  );
}
