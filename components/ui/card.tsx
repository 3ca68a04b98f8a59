import type { ReactNode } from 'react';

export function Card({ title, description, children, className = '' }: { title?: string; description?: ReactNode; children?: ReactNode; className?: string }) {
  return (
    <section className={`min-w-0 rounded-2xl border border-stone-200 bg-white p-4 shadow-xs sm:p-6 ${className}`}>
      {title ? <h2 className="text-base font-semibold">{title}</h2> : null}
      {description ? <p className="mt-1 text-sm text-stone-600">{description}</p> : null}
      {children ? <div className={title || description ? 'mt-4' : ''}>{children}</div> : null}
    </section>
  );
}

export function PageHeader({ title, description, children }: { title: string; description?: ReactNode; children?: ReactNode }) {
  return (
    <div className="mb-8 flex flex-wrap items-end justify-between gap-4">
      <div className="min-w-0">
        <h1 className="text-2xl font-semibold tracking-tight sm:text-3xl">{title}</h1>
        {description ? <p className="mt-2 max-w-2xl text-stone-600">{description}</p> : null}
      </div>
      {children}
    </div>
  );
}
