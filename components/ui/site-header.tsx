import Link from 'next/link';
import { signOutUser } from '@/app/(auth)/actions';
import { CartLink } from '@/components/shop/cart-link';
import { Button } from '@/components/ui/button';
import { getCurrentUser } from '@/lib/auth/guards';
import { STAFF_ROLES } from '@/lib/auth/roles';

export async function SiteHeader() {
  const user = await getCurrentUser();
  return (
    <header className="border-b border-stone-200 bg-white/80 backdrop-blur">
      {/* On a phone the links wrap under the name rather than push the page wider than the screen. */}
      <div className="mx-auto flex min-h-16 max-w-6xl flex-wrap items-center justify-between gap-x-2 px-4 py-1 sm:flex-nowrap sm:gap-4 sm:px-6 sm:py-0">
        <Link href="/" className="flex min-h-11 items-center gap-2 text-lg font-semibold tracking-tight">
          <span aria-hidden className="grid size-8 place-items-center rounded-lg bg-brand-600 text-sm text-white">
            B
          </span>
          Billfold
        </Link>
        <nav aria-label="Main" className="-mx-2 flex flex-wrap items-center gap-1 text-sm whitespace-nowrap sm:mx-0 sm:gap-2">
          <Link href="/" className="hidden min-h-11 items-center rounded-lg px-3 hover:bg-stone-100 sm:inline-flex">
            Shop
          </Link>
          <Link href="/pricing" className="inline-flex min-h-11 items-center rounded-lg px-2 hover:bg-stone-100 sm:px-3">
            Pricing
          </Link>
          <CartLink />
          {user ? (
            <>
              <Link href="/account" className="inline-flex min-h-11 items-center rounded-lg px-2 hover:bg-stone-100 sm:px-3">
                Account
              </Link>
              {STAFF_ROLES.includes(user.role) ? (
                <Link href="/admin" className="inline-flex min-h-11 items-center rounded-lg px-2 hover:bg-stone-100 sm:px-3">
                  Admin
                </Link>
              ) : null}
              <form
                action={async (formData: FormData) => {
                  'use server';
                  await signOutUser(formData);
                }}
              >
                <Button type="submit" variant="ghost">
                  Sign out
                </Button>
              </form>
            </>
          ) : (
            <>
              <Link href="/sign-in" className="inline-flex min-h-11 items-center rounded-lg px-2 hover:bg-stone-100 sm:px-3">
                Sign in
              </Link>
              <Link href="/sign-up" className="inline-flex min-h-11 items-center rounded-lg bg-brand-600 px-3 font-medium text-white hover:bg-brand-700">
                Create account
              </Link>
            </>
          )}
        </nav>
      </div>
    </header>
  );
}
