import type { Metadata } from 'next';
import { changeUserRole } from '@/app/(admin)/admin/actions';
import { RoleForm } from '@/components/admin/role-form';
import { Card, PageHeader } from '@/components/ui/card';
import { db } from '@/db/client';
import { requireAdminForPage } from '@/lib/auth/guards';
import { listUsers } from '@/lib/auth/users';

export const metadata: Metadata = { title: 'Admin' };

export default async function AdminPage() {
  const admin = await requireAdminForPage('/admin');
  const people = await listUsers(db);
  return (
    <>
      <PageHeader title="Admin" description="Every transaction, customer, subscription and webhook event, as they arrive." />
      <div className="grid gap-4 md:grid-cols-3">
        <Card title="Transactions" description="Payments, refunds and disputes will be listed here." />
        <Card title="Subscriptions" description="Plans, statuses and dunning will be listed here." />
        <Card title="Webhook events" description="Every verified provider event, its status and attempts." />
      </div>
      <Card title="People" description="Admins can see and act on every transaction." className="mt-6">
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="text-stone-500">
              <tr>
                <th className="py-2 pr-4 font-medium">Email</th>
                <th className="py-2 pr-4 font-medium">Name</th>
                <th className="py-2 pr-4 font-medium">Role</th>
                <th className="py-2 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-stone-100">
              {people.map((person) => (
                <tr key={person.id} data-testid={`user-row-${person.email}`}>
                  <td className="py-2 pr-4">{person.email}</td>
                  <td className="py-2 pr-4">{person.name ?? '—'}</td>
                  <td className="py-2 pr-4 capitalize">{person.role}</td>
                  <td className="py-2">{person.id === admin.id ? null : <RoleForm email={person.email} role={person.role} action={changeUserRole} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
    </>
  );
}
