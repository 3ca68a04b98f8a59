import type { ReactNode } from 'react';
import { ConsoleNav } from '@/components/admin/console-nav';
import { getCurrentUser } from '@/lib/auth/guards';
import { STAFF_ROLES } from '@/lib/auth/roles';

/**
 * The console's frame. It guards nothing (each page and action checks its caller itself, since a
 * layout is not re-run on every navigation); it only leaves the sidebar out for anyone who may
 * not read the console, so a customer's 404 looks like any other.
 */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const user = await getCurrentUser();
  if (!user || !STAFF_ROLES.includes(user.role)) return children;
  return (
    <div className="flex flex-col gap-6 md:flex-row md:gap-8">
      <aside className="md:w-44 md:shrink-0">
        <p className="mb-2 hidden px-3 text-xs font-semibold tracking-wide text-stone-500 uppercase md:block">
          Console{user.role === 'support' ? ' · read only' : ''}
        </p>
        <ConsoleNav />
      </aside>
      <div className="min-w-0 flex-1">{children}</div>
    </div>
  );
}
