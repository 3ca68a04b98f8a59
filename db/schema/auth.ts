import { sql } from 'drizzle-orm';
import { index, integer, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { timestamps } from './columns';
import type { AdapterAccountType } from 'next-auth/adapters';

/** `support` reads the whole admin console and changes nothing (lib/auth/roles.ts). */
export const userRole = pgEnum('user_role', ['customer', 'support', 'admin']);

/** Auth.js users, with Billfold's role and password hash. Billing state never lives here. */
export const users = pgTable(
  'users',
  {
    id: text('id')
      .primaryKey()
      .$defaultFn(() => crypto.randomUUID()),
    name: text('name'),
    email: text('email').notNull(),
    emailVerified: timestamp('email_verified', { mode: 'date', withTimezone: true }),
    image: text('image'),
    /** argon2id PHC string; null for accounts that only sign in with OAuth. */
    passwordHash: text('password_hash'),
    role: userRole('role').notNull().default('customer'),
    /**
     * When the person's data was erased (lib/privacy/erase.ts): the row stays, pseudonymised, because
     * their orders, subscriptions and the audit log still name it; it never signs in again.
     */
    erasedAt: timestamp('erased_at', { withTimezone: true }),
    ...timestamps,
  },
  // The console's customers list pages by keyset on (created_at desc, id desc).
  (t) => [uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`), index('users_created_at_id_idx').on(t.createdAt, t.id)],
);

export const accounts = pgTable(
  'accounts',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    type: text('type').$type<AdapterAccountType>().notNull(),
    provider: text('provider').notNull(),
    providerAccountId: text('provider_account_id').notNull(),
    refresh_token: text('refresh_token'),
    access_token: text('access_token'),
    expires_at: integer('expires_at'),
    token_type: text('token_type'),
    scope: text('scope'),
    id_token: text('id_token'),
    session_state: text('session_state'),
  },
  (t) => [primaryKey({ columns: [t.provider, t.providerAccountId] }), index('accounts_user_id_idx').on(t.userId)],
);

export const sessions = pgTable('sessions', {
  sessionToken: text('session_token').primaryKey(),
  userId: text('user_id')
    .notNull()
    .references(() => users.id, { onDelete: 'cascade' }),
  expires: timestamp('expires', { mode: 'date', withTimezone: true }).notNull(),
});

export const verificationTokens = pgTable(
  'verification_tokens',
  {
    identifier: text('identifier').notNull(),
    token: text('token').notNull(),
    expires: timestamp('expires', { mode: 'date', withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.identifier, t.token] })],
);

/** Fixed-window counters for throttling (sign-in failures, sign-ups), shared by every server process. */
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
  count: integer('count').notNull(),
});
