'use server';

import { revalidatePath } from 'next/cache';
import { z } from 'zod';
import { db } from '@/db/client';
import { adminAction } from '@/lib/auth/actions';
import { setRole } from '@/lib/auth/users';

export const changeUserRole = adminAction(
  z.object({ email: z.email(), role: z.enum(['customer', 'admin']) }),
  async ({ email, role }, admin) => {
    const user = await setRole(db, email, role, { kind: 'user', userId: admin.id });
    revalidatePath('/admin');
    return { email: user.email, role: user.role };
  },
);
