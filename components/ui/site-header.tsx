import Link from 'next/link';
import { signOutUser } from '@/app/(auth)/actions';
import { CartLink } from '@/components/shop/cart-link';
import { Button } from '@/components/ui/button';
import { getCurrentUser } from '@/lib/auth/guards';

export async function SiteHeader() {
  const user = await getCurrentUser();
  return (
    <header className="border-b border-stone-200 bg-white/80 backdrop-blur">
      <div className="mx-auto flex h-16 max-w-6xl items-center justify-between gap-2 px-4 sm:gap-4 sm:px-6">
        <Link href="/" className="flex items-center gap-2 text-lg font-semibold tracking-tight">
          <span aria-hidden className="grid size-8 place-items-center rounded-lg bg-brand-600 text-sm text-white">
            B
          </span>
          Billfold
        </Link>
        <nav aria-label="Main" className="flex items-center gap-1 text-sm whitespace-nowrap sm:gap-2">
          <Link href="/" className="hidden rounded-lg px-3 py-2 hover:bg-stone-100 sm:inline-block">
            Shop
          </Link>
          <Link href="/pricing" className="rounded-lg px-3 py-2 hover:bg-stone-100">
            Pricing
          </Link>
          <CartLink />
          {user ? (
            <>
              <Link href="/account" className="rounded-lg px-3 py-2 hover:bg-stone-100">
                Account
              </Link>
              {user.role === 'admin' ? (
                <Link href="/admin" className="rounded-lg px-3 py-2 hover:bg-stone-100">
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
              <Link href="/sign-in" className="rounded-lg px-3 py-2 hover:bg-stone-100">
                Sign in
              </Link>
              <Link href="/sign-up" className="rounded-lg bg-brand-600 px-3 py-2 font-medium text-white hover:bg-brand-700">
                Create account
              </Link>
            </>
          )}
        </nav>
      </div>
    </header>
  );
}
