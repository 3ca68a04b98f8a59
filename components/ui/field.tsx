import type { InputHTMLAttributes } from 'react';

export function Field({ label, error, id, ...input }: InputHTMLAttributes<HTMLInputElement> & { label: string; error?: string; id: string }) {
  const errorId = `${id}-error`;
  return (
    <div className="space-y-1.5">
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? errorId : undefined}
        className="block w-full rounded-lg border border-stone-300 bg-white px-3 py-2.5 text-base shadow-xs sm:text-sm placeholder:text-stone-400 focus:border-brand-500 focus:outline-none aria-invalid:border-red-400"
        {...input}
      />
      {error ? (
        <p id={errorId} className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}
