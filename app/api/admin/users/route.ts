import { db } from '@/db/client';
import { consoleRoute } from '@/lib/auth/routes';
import { listUsers } from '@/lib/auth/users';

export const dynamic = 'force-dynamic';

export const GET = consoleRoute('console.read', async () => {
  return Response.json({ data: await listUsers(db) }, { headers: { 'Cache-Control': 'no-store' } });
});
