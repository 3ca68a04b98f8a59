import { db } from '@/db/client';
import { adminRoute } from '@/lib/auth/routes';
import { listUsers } from '@/lib/auth/users';

export const dynamic = 'force-dynamic';

export const GET = adminRoute(async () => {
  return Response.json({ data: await listUsers(db) }, { headers: { 'Cache-Control': 'no-store' } });
});
