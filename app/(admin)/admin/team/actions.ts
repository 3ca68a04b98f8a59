'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { db } from '@/db/client';
import { userRole } from '@/db/schema';
import { consoleAction } from '@/lib/auth/actions';
import { changeRoleAsStaff } from '@/lib/auth/users';

export const changeUserRole = consoleAction('team.manage', z.object({ email: z.email(), role: z.enum(userRole.enumValues) }), async ({ email, role }, staff) => {
  const user = await changeRoleAsStaff(db, staff, email, role);
  revalidatePath('/admin/team');
  return { email: user.email, role: user.role };
});
