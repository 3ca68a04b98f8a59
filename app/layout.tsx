import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { BillingBanner } from '@/components/portal/billing-banner';
import { SiteFooter } from '@/components/ui/site-footer';
import { SiteHeader } from '@/components/ui/site-header';
import { env } from '@/lib/env';
import './globals.css';

const DESCRIPTION = 'Checkout and billing, done correctly.';

export function generateMetadata(): Metadata {
  const { authUrl } = env();
  return {
    // The Open Graph image needs an absolute URL, and only AUTH_URL knows the public origin;
    // without it Next.js falls back to localhost and says so once in the log.
    metadataBase: authUrl ? new URL(authUrl) : null,
    title: { default: 'Billfold', template: '%s · Billfold' },
    description: DESCRIPTION,
    manifest: '/manifest.webmanifest',
    icons: {
      // The .ico is declared at one size so browsers that read SVG icons prefer icon.svg.
      icon: [
        { url: '/favicon.ico', sizes: '32x32' },
        { url: '/icon.svg', type: 'image/svg+xml' },
      ],
      apple: '/apple-touch-icon.png',
    },
    openGraph: {
      type: 'website',
      siteName: 'Billfold',
      title: 'Billfold',
      description: DESCRIPTION,
      images: [{ url: '/og.png', width: 1200, height: 630, alt: `Billfold: ${DESCRIPTION}` }],
    },
    twitter: { card: 'summary_large_image' },
  };
}

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
