import type { Order } from '@/lib/billing/orders';

const LABELS: Record<Order['status'], { text: string; tone: string }> = {
  open: { text: 'Awaiting payment', tone: 'bg-stone-100 text-stone-700' },
  processing: { text: 'Processing', tone: 'bg-amber-50 text-amber-800' },
  paid: { text: 'Paid', tone: 'bg-brand-50 text-brand-700' },
  payment_failed: { text: 'Payment failed', tone: 'bg-red-50 text-red-700' },
  canceled: { text: 'Canceled', tone: 'bg-stone-100 text-stone-600' },
  partially_refunded: { text: 'Partially refunded', tone: 'bg-sky-50 text-sky-800' },
  refunded: { text: 'Refunded', tone: 'bg-sky-50 text-sky-800' },
};

export function OrderStatus({ status }: { status: Order['status'] }) {
  const label = LABELS[status];
  return <span className={`inline-flex rounded-full px-2.5 py-0.5 text-xs font-medium ${label.tone}`}>{label.text}</span>;
}
