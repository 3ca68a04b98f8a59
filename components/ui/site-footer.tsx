import { env } from '@/lib/env';

const MODE_LABELS = {
  sandbox: 'Sandbox mode: payments go to the local emulator, no real money moves.',
  test: 'Test mode: payments use the providers’ test environments.',
  live: null,
} as const;

export function SiteFooter() {
  const notice = MODE_LABELS[env().paymentsMode];
  return (
    <footer className="border-t border-stone-200 bg-white">
      <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-2 px-4 py-6 text-sm text-stone-500 sm:px-6">
        <p>Billfold — open-source checkout and billing.</p>
        {notice ? (
          <p data-testid="payments-mode" className="rounded-lg bg-amber-50 px-3 py-1 text-amber-800 sm:rounded-full">
            {notice}
          </p>
        ) : null}
      </div>
    </footer>
  );
}
