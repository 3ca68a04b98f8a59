'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

/** The console's sections, in the sidebar's order. */
const SECTIONS = [
  { href: '/admin', label: 'Overview' },
  { href: '/admin/transactions', label: 'Transactions' },
  { href: '/admin/customers', label: 'Customers' },
  { href: '/admin/subscriptions', label: 'Subscriptions' },
  { href: '/admin/disputes', label: 'Disputes' },
  { href: '/admin/webhooks', label: 'Webhook events' },
  { href: '/admin/reconciliation', label: 'Reconciliation' },
  { href: '/admin/emails', label: 'Emails' },
  { href: '/admin/audit', label: 'Audit log' },
  { href: '/admin/team', label: 'Team' },
] as const;

function isCurrent(pathname: string, href: string): boolean {
  return href === '/admin' ? pathname === href : pathname === href || pathname.startsWith(`${href}/`);
}

/** The console's sidebar; on a phone a row of links that scrolls sideways above the page. */
export function ConsoleNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Admin console" className="-mx-4 overflow-x-auto px-4 md:mx-0 md:px-0">
      <ul className="flex gap-1 whitespace-nowrap md:flex-col">
        {SECTIONS.map((section) => {
          const current = isCurrent(pathname, section.href);
          return (
            <li key={section.href}>
              <Link
                href={section.href}
                aria-current={current ? 'page' : undefined}
                className={`flex min-h-11 items-center rounded-lg px-3 text-sm ${current ? 'bg-stone-900 font-medium text-white' : 'text-stone-700 hover:bg-stone-100'}`}
              >
                {section.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
