import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { BillingBanner } from '@/components/portal/billing-banner';
import { SiteFooter } from '@/components/ui/site-footer';
import { SiteHeader } from '@/components/ui/site-header';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Billfold', template: '%s · Billfold' },
  description: 'Checkout and billing, done correctly.',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="flex min-h-screen flex-col font-sans antialiased">
        <SiteHeader />
        <BillingBanner />
        <main className="mx-auto w-full max-w-6xl flex-1 px-4 py-8 sm:px-6">{children}</main>
        <SiteFooter />
      </body>
    </html>
  );
}
