/**
 * Billing dates as the portal prints them: a calendar day in UTC, the same on the server and in
 * the browser (and the same as the emails, lib/billing/subscriptions.ts formatDay).
 */
export function longDate(date: Date | string): string {
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'long', timeZone: 'UTC' }).format(typeof date === 'string' ? new Date(date) : date);
}

export function shortDate(date: Date): string {
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}
