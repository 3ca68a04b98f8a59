import nodemailer from 'nodemailer';
import { scrubString } from '@/lib/log';
import type { Mailer } from './mailer';

/** Why a mail service did not accept a message, in words safe to store on the row and log. */
export class MailDeliveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MailDeliveryError';
  }
}

function reasonFor(error: unknown): string {
  if (!(error instanceof Error)) return 'the SMTP client failed without an error';
  // nodemailer's messages carry the server's answer ("Message failed: 451 4.3.0 Try again
  // later") or the connection error, never the password; its `code` says which stage failed.
  const code = 'code' in error && typeof error.code === 'string' ? `${error.code}: ` : '';
  return scrubString(`${code}${error.message}`).slice(0, 2000);
}

/** The transport to SMTP_URL, with the limits and the silence delivery needs. */
function smtpTransport(url: string) {
  // Options in the URL's query win over the ones below, except logging: nodemailer's own logger
  // would print the AUTH exchange and message bodies, which Billfold never logs.
  const settings = new URL(url);
  settings.searchParams.delete('logger');
  settings.searchParams.delete('debug');
  return nodemailer.createTransport({
    url: settings.toString(),
    // Give up well inside the 120 s after which the queue presumes a job dead (lib/jobs/queues.ts).
    dnsTimeout: 10_000,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
    // Messages are text we wrote; nothing in one may make the client read a file or fetch a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  });
}

/**
 * Whether the mail service at `url` answers as delivery needs it to: it connects, greets (EHLO),
 * upgrades to TLS where asked and accepts the login, sending nothing (nodemailer's verify).
 * Throws a MailDeliveryError saying what failed.
 */
export async function verifySmtpServer(url: string): Promise<void> {
  const transport = smtpTransport(url);
  try {
    await transport.verify();
  } catch (error) {
    throw new MailDeliveryError(reasonFor(error));
  } finally {
    transport.close();
  }
}

/**
 * A Mailer over SMTP. `url` is SMTP_URL: smtp:// upgrades with STARTTLS when the server offers
 * it, smtps:// is TLS from the first byte, `user:password@` logs in, and query parameters are
 * nodemailer options (e.g. `?requireTLS=true`). A connection per message: receipts are few,
 * and nothing stays open between jobs.
 */
export function createSmtpMailer(url: string): Mailer {
  const transport = smtpTransport(url);
  return {
    async send(message) {
      try {
        await transport.sendMail({
          messageId: message.messageId,
          from: message.from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          ...(message.html ? { html: message.html } : {}),
        });
      } catch (error) {
        throw new MailDeliveryError(reasonFor(error));
      }
    },
  };
}
