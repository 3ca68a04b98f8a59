import type { Metadata } from 'next';
import { changeUserRole } from '@/app/(admin)/admin/team/actions';
import { RoleForm } from '@/components/admin/role-form';
import { Card, PageHeader } from '@/components/ui/card';
import { DataTable } from '@/components/ui/data-table';
import { db } from '@/db/client';
import { requireStaffForPage } from '@/lib/auth/guards';
import { can, ROLE_LABELS } from '@/lib/auth/roles';
import { listUsers } from '@/lib/auth/users';

export const metadata: Metadata = { title: 'Team' };

export default async function TeamPage() {
  const staff = await requireStaffForPage('/admin/team');
  const people = await listUsers(db);
  const manages = can(staff, 'team.manage');
  return (
    <>
      <PageHeader
        title="Team"
        description="Admins see and act on every transaction; support sees everything and changes nothing. Every change of role is in the audit log."
      />
      <Card>
        <DataTable
          label="People"
          rows={people}
          rowKey={(person) => person.id}
          rowTestId={(person) => `user-row-${person.email}`}
          empty="Nobody has signed up yet."
          columns={[
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
          ]}
        />
      </Card>
    </>
  );
}
