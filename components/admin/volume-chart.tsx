'use client';

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatMoney, money } from '@/lib/money';
import type { DailyPoint } from '@/lib/billing/admin/revenue';

const DAY = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });

function dayLabel(day: string): string {
  return DAY.format(new Date(`${day}T00:00:00Z`));
}

/** One currency's gross and refunds per day, drawn by recharts; amounts stay minor units until formatted. */
export function VolumeChart({ currency, points }: { currency: string; points: DailyPoint[] }) {
  const format = (value: number) => formatMoney(money(value, currency));
  return (
    <div className="h-56 w-full" role="img" aria-label={`${currency} gross volume and refunds per day`}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e7e5e4" />
          <XAxis dataKey="day" tickFormatter={dayLabel} tick={{ fontSize: 12 }} minTickGap={16} />
          <YAxis tickFormatter={format} tick={{ fontSize: 12 }} width={80} allowDecimals={false} />
          <Tooltip formatter={(value) => format(Number(value))} labelFormatter={(label) => dayLabel(String(label))} />
          <Legend />
          <Bar dataKey="gross" name="Gross" fill="#2f7a62" isAnimationActive={false} />
          <Bar dataKey="refunded" name="Refunded" fill="#f59e0b" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
