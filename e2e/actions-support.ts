import type { APIRequestContext } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';

// Server actions as a forged call reaches them: found in the production build, called over HTTP.

export interface ServerAction {
  id: string;
  exportedName: string;
  /** A page that can invoke the action (Next only runs an action on a page that imports it). */
  pagePath: string;
}

/** Every server action the production build defines under these folders of app/, from Next's own manifest. */
export function actionsUnder(...folders: string[]): ServerAction[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(process.cwd(), '.next/server/server-reference-manifest.json'), 'utf8')) as {
    node: Record<string, { filename?: string; exportedName?: string; workers: Record<string, unknown> }>;
  };
  return Object.entries(manifest.node)
    .filter(([, entry]) => folders.some((folder) => entry.filename?.startsWith(`app/${folder}/`)))
    .map(([id, entry]) => {
      const worker = Object.keys(entry.workers).find((name) => name.endsWith('/page')) ?? 'app/page';
      const segments = worker
        .split('/')
        .slice(1, -1)
        .filter((segment) => !/^\(.*\)$/.test(segment))
        .map((segment) => (/^\[.*\]$/.test(segment) ? 'starter-monthly-usd' : segment)); // a dynamic page: any value reaches the action
      return { id, exportedName: entry.exportedName ?? '', pagePath: `/${segments.join('/')}` };
    });
}

/**
 * Calls a server action the way the browser's fetch does, with whatever session `request`
 * carries (and `headers`, such as the client address a page of the same person sends).
 */
export async function callAction(request: APIRequestContext, baseURL: string, pagePath: string, actionId: string, args: unknown[], headers: Record<string, string> = {}) {
  const response = await request.post(pagePath, {
    headers: { ...headers, 'Next-Action': actionId, 'Content-Type': 'text/plain;charset=UTF-8', Origin: baseURL, Accept: 'text/x-component' },
    data: JSON.stringify(args),
    maxRedirects: 0,
  });
  return { status: response.status(), body: await response.text() };
}
