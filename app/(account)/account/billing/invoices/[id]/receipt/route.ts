import { db } from '@/db/client';
import { userRoute } from '@/lib/auth/routes';
import { renderReceiptPdf } from '@/lib/billing/receipt-pdf';
import { receiptForUser } from '@/lib/billing/receipts';
import { UserFacingError } from '@/lib/errors';

export const dynamic = 'force-dynamic';

/**
 * GET: the PDF receipt of one of the caller's paid invoices that the provider has no PDF of.
 * Another account's invoice, an unknown or malformed id and an unpaid invoice are all the same
 * 404, so ids cannot be probed; anonymous callers get 401 (the proxy sends browsers with no
 * session to sign in first).
 */
export const GET = userRoute<{ params: Promise<{ id: string }> }>(async (_request, user, { params }) => {
  const { id } = await params;
  const receipt = await receiptForUser(db, user.id, id);
  if (!receipt) throw new UserFacingError('No such receipt.', 'not_found');
  const pdf = await renderReceiptPdf(receipt);
  return new Response(pdf, {
    headers: {
      'content-type': 'application/pdf',
      'content-disposition': `attachment; filename="${receiptFilename(receipt.number)}"`,
      'cache-control': 'private, no-store',
      'x-content-type-options': 'nosniff',
    },
  });
});

/** The number comes from the provider: only characters safe in a quoted header value are kept. */
function receiptFilename(number: string): string {
  return `receipt-${number.replace(/[^A-Za-z0-9._-]/g, '-')}.pdf`;
}
