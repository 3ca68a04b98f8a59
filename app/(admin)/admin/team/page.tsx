import type { Metadata } from 'next';
import { changeUserRole } from '@/app/(admin)/admin/team/actions';
import { RoleForm } from '@/components/admin/role-form';
import { Card, PageHeader } from '@/components/ui/card';
import { DataTable, type Column } from '@/components/ui/data-table';
import { Button } from '@/components/ui/button';
import { db } from '@/db/client';
import { requireStaffForPage } from '@/lib/auth/guards';
import { can, ROLE_LABELS } from '@/lib/auth/roles';
import { findUserByEmail, listTeam, toSessionUser, type SessionUser } from '@/lib/auth/users';

export const metadata: Metadata = { title: 'Team' };

export default async function TeamPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const staff = await requireStaffForPage('/admin/team');
  const { email } = await searchParams;
  const wanted = typeof email === 'string' ? email.trim().slice(0, 320) : '';
  const [team, found] = await Promise.all([listTeam(db), wanted ? findUserByEmail(db, wanted) : undefined]);
  const manages = can(staff, 'team.manage');
  const columns: Column<SessionUser>[] = [
    { key: 'email', header: 'Email', unlabelled: true, className: 'max-sm:w-full max-sm:font-medium', cell: (person) => person.email },
    { key: 'name', header: 'Name', cell: (person) => person.name ?? '—' },
    { key: 'role', header: 'Role', cell: (person) => <span data-testid="user-role">{ROLE_LABELS[person.role]}</span> },
    {
      key: 'actions',
      header: 'Actions',
      hideHeader: true,
      align: 'right',
      cell: (person) => (manages && person.id !== staff.id ? <RoleForm email={person.email} role={person.role} action={changeUserRole} /> : null),
    },
  ];
  const table = (rows: SessionUser[], label: string, empty: string) => (
    <DataTable label={label} rows={rows} rowKey={(person) => person.id} rowTestId={(person) => `user-row-${person.email}`} empty={empty} columns={columns} />
  );
  return (
    <>
      <PageHeader
        title="Team"
        description="Admins see and act on every transaction; support sees everything and changes nothing. Every change of role is in the audit log."
      />
      <Card title="Find someone" description="Look a person up by the email they signed up with to change their role.">
        <form method="get" className="flex flex-wrap items-end gap-2">
          <label className="flex min-w-0 flex-1 flex-col gap-1 text-sm">
            <span className="font-medium">Email</span>
            <input name="email" type="email" defaultValue={wanted} required className="min-h-11 rounded-lg border border-stone-300 px-3" />
          </label>
          <Button type="submit" variant="secondary">
            Find
          </Button>
        </form>
        {wanted ? (
          <div className="mt-4">{table(found ? [toSessionUser(found)] : [], 'Search result', `Nobody has signed up with ${wanted}.`)}</div>
        ) : null}
      </Card>
      <Card title="Admins and support" className="mt-6">
        {table(team, 'Team', 'Nobody yet.')}
      </Card>
    </>
  );
}
