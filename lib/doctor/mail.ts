import type { MailConfig } from '@/lib/env';
import { scrubString } from '@/lib/log';
import { verifySmtpServer } from '@/lib/mail/smtp';
import { blocker, ok, warn, type Finding } from './finding';

/** Whether receipts can leave: the SMTP server at SMTP_URL answers and accepts the login (nothing is sent). */
export async function checkMail(mail: MailConfig): Promise<Finding> {
  const name = 'email';
  if (mail.delivery !== 'smtp') {
    if (mail.delivery === 'outbox') return ok(name, 'sandbox mode keeps email in the outbox (read it at /admin/emails); none is delivered');
    return warn(name, 'SMTP_URL is not set: receipts and billing emails wait unsent until it is');
  }
  const server = new URL(mail.smtpUrl);
  const where = `${server.protocol}//${server.host}`;
  try {
    await verifySmtpServer(mail.smtpUrl);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return blocker(name, `the SMTP server at ${where} (SMTP_URL) did not answer as it must: ${scrubString(reason)}`);
  }
  return ok(name, `the SMTP server at ${where} answers and accepts the login; sending as ${mail.from}`);
}
