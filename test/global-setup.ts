import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { migrateDatabase } from '@/db/migrate';
import { startTemporaryPostgres, type RunningPostgres } from '@/scripts/lib/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A server URL (any database) on which test databases may be created. */
    postgresUrl: string;
    /** A migrated database that each test file clones (CREATE DATABASE … TEMPLATE). */
    templateDatabase: string;
  }
}

const TEMPLATE = `billfold_template_${process.pid}`;

/**
 * Integration tests run against real PostgreSQL: DATABASE_URL's server when set, otherwise a
 * throwaway embedded one. The schema is migrated once into a template database; each test file
 * gets its own copy, so no test ever sees another's rows.
 */
export default async function setup(project: TestProject) {
  let embedded: RunningPostgres | undefined;
  let url = process.env.DATABASE_URL;
  if (!url) {
    embedded = await startTemporaryPostgres(Number(process.env.TEST_DATABASE_PORT ?? 54330));
    url = embedded.url;
  }
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${TEMPLATE}" with (force)`);
  await admin.unsafe(`create database "${TEMPLATE}"`);
  const templateUrl = new URL(url);
  templateUrl.pathname = `/${TEMPLATE}`;
  await migrateDatabase(templateUrl.toString());

  project.provide('postgresUrl', url);
  project.provide('templateDatabase', TEMPLATE);

  return async () => {
    const leftovers = await admin<{ datname: string }[]>`select datname from pg_database where datname like ${`billfold_t_${process.pid}_%`}`;
    for (const { datname } of leftovers) await admin.unsafe(`drop database if exists "${datname}" with (force)`);
    await admin.unsafe(`drop database if exists "${TEMPLATE}" with (force)`);
    await admin.end();
    await embedded?.stop();
  };
}
