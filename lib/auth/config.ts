import { DrizzleAdapter } from '@auth/drizzle-adapter';
import NextAuth, { AuthError, CredentialsSignin, type NextAuthConfig } from 'next-auth';
import { headers } from 'next/headers';
import Credentials from 'next-auth/providers/credentials';
import GitHub from 'next-auth/providers/github';
import Google from 'next-auth/providers/google';
import { z } from 'zod';
import { db } from '@/db/client';
import { accounts, sessions, users, verificationTokens } from '@/db/schema';
import { env } from '@/lib/env';
import { log } from '@/lib/log';
import { clientKeyFromHeaders } from './client-key';
import { UserFacingError } from '@/lib/errors';
import { createUnreadableSessionWarner } from './unreadable-session';
import { authenticateWithPassword, findUserById, syncAdminRole } from './users';

/** Carries our own refusal (wrong credentials, rate limited) through Auth.js to the sign-in action. */
export class SignInRefused extends CredentialsSignin {
  constructor(code: string) {
    super();
    this.code = code;
  }
}

const PasswordCredentials = z.object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(200) });

// Next.js bundles this module once for pages and once for route handlers: the clients already
// warned about are remembered once per process, or a cookie would be warned about twice.
const globalForAuth = globalThis as unknown as { billfoldUnreadableSessions?: Map<string, number> };
const warnUnreadableSession = createUnreadableSessionWarner(log, (globalForAuth.billfoldUnreadableSessions ??= new Map()));

function buildConfig(requestHeaders: Headers | undefined): NextAuthConfig {
  const { oauth, adminEmails, authSecrets } = env();
  const providers: NextAuthConfig['providers'] = [
    Credentials({
      credentials: { email: {}, password: {} },
      async authorize(credentials, request) {
        const parsed = PasswordCredentials.safeParse(credentials);
        if (!parsed.success) throw new SignInRefused('wrong_credentials');
        try {
          const user = await authenticateWithPassword(
            db,
            { ...parsed.data, clientKey: clientKeyFromHeaders(request.headers) },
            adminEmails,
          );
          return { id: user.id, email: user.email, name: user.name };
        } catch (error) {
          if (error instanceof UserFacingError) throw new SignInRefused(error.code);
          throw error;
        }
      },
    }),
  ];
  if (oauth.github) providers.push(GitHub(oauth.github));
  if (oauth.google) providers.push(Google(oauth.google));

  return {
    adapter: DrizzleAdapter(db, { usersTable: users, accountsTable: accounts, sessionsTable: sessions, verificationTokensTable: verificationTokens }),
    // Credentials sign-in requires JWT sessions. The token only names the user: the role and
    // the account itself are read from the database on every guarded request.
    session: { strategy: 'jwt', maxAge: 30 * 24 * 60 * 60 },
    // Auth.js encrypts with the first and decrypts with any: a rotation signs nobody out.
    secret: authSecrets.length > 0 ? authSecrets : undefined,
    // Billfold is self-hosted behind its own server or proxy, which sets the Host header.
    trustHost: true,
    pages: { signIn: '/sign-in', error: '/sign-in' },
    providers,
    callbacks: {
      async signIn({ user }) {
        // OAuth users are created by the adapter; promote listed admins on every sign-in.
        if (user.id) {
          const existing = await findUserById(db, user.id);
          if (existing) await syncAdminRole(db, existing, adminEmails);
        }
        return true;
      },
      session({ session, token }) {
        if (token.sub) session.user.id = token.sub;
        return session;
      },
    },
    logger: {
      error(error) {
        // A refused sign-in and an unreadable session cookie are routine; anything else is
        // worth an alert.
        if (error instanceof CredentialsSignin) log.info({ code: error.code }, 'sign-in refused');
        else if (error instanceof AuthError && error.type === 'JWTSessionError') warnUnreadableSession(error, requestHeaders ? clientKeyFromHeaders(requestHeaders) : 'unknown');
        else log.error({ err: error }, 'auth error');
      },
      warn(code) {
        log.warn({ code }, 'auth warning');
      },
      debug() {},
    },
    debug: false,
  };
}

/** The request's headers: Auth.js passes the request to route handlers, not to `auth()` in a page. */
async function headersOf(request: Request | undefined): Promise<Headers | undefined> {
  if (request) return request.headers;
  try {
    return new Headers(await headers());
  } catch {
    return undefined; // outside a request (a script, a test)
  }
}

export const { handlers, auth, signIn, signOut } = NextAuth(async (request) => buildConfig(await headersOf(request)));
