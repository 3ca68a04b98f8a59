import type { emails } from '@/db/schema';
import type { MailConfig } from '@/lib/env';
import { createSmtpMailer } from './smtp';

/** One message as a mail service receives it. */
export interface OutgoingMessage {
  /** `<id@domain>`, the same on every attempt at one email, so a receiver can drop a duplicate. */
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/**
 * Sends one message. Resolves once the mail service has accepted it; rejects with an error whose
 * message says why not and is safe to store and log (no credentials, no message content).
 */
export interface Mailer {
  send(message: OutgoingMessage): Promise<void>;
}

/**
 * What the worker does with the outbox (lib/env.ts, MailConfig): deliver it through a Mailer,
 * keep it in the outbox for the admin console's Emails, /admin/emails (sandbox mode), or leave it unsent (test mode without SMTP_URL).
 */
export type MailDelivery = { mode: 'smtp'; mailer: Mailer; from: string } | { mode: 'outbox' } | { mode: 'off' };

export function mailDelivery(config: MailConfig): MailDelivery {
  if (config.delivery === 'smtp') return { mode: 'smtp', mailer: createSmtpMailer(config.smtpUrl), from: config.from };
  return { mode: config.delivery };
}

/** The address part of `Name <a@b>` or `a@b`. */
function addressOf(from: string): string {
  return /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from.trim();
}

/** An outbox row's Message-ID: its id at the sender's domain, whichever worker or attempt sends it. */
export function messageIdFor(emailId: string, from: string): string {
  const domain = addressOf(from).split('@').pop() || 'localhost';
  return `<${emailId}@${domain}>`;
}

export function outgoingMessage(email: typeof emails.$inferSelect, from: string): OutgoingMessage {
  return {
    messageId: messageIdFor(email.id, from),
    from,
    to: email.to,
    subject: email.subject,
    text: email.text,
    ...(email.html ? { html: email.html } : {}),
  };
}
