import type http from 'node:http';
import type { ApiFault, Chaos, RetryPolicy } from './chaos';
import type { DashboardTable } from './dashboard';
import type { Store } from './store';

/**
 * What server.ts mounts: one provider's stand-in (sandbox/<provider>/), owning its routes, its
 * state in the shared store, its browser scripts, its webhook signer and its part of the
 * dashboard. A provider is added by writing one of these and mounting it in server.ts.
 */

/** What every module is given: the sandbox's store and its switches, read when needed (they change at run time). */
export interface SandboxServices {
  store: Store;
  chaos(): Chaos;
  /** The injected fault one API request meets under the chaos switches (none, before or after its work), counted by the server. */
  apiFault(): ApiFault | null;
  /** This provider's webhook backoff (its own defaults, as /_sandbox/retry leaves them). */
  retry(): RetryPolicy;
  /**
   * The sandbox's own origin (`http://127.0.0.1:12111`), for links in what a module makes with
   * no request to take them from (a renewal's hosted invoice page); empty until the server listens.
   */
  origin(): string;
}

/**
 * Faults a provider arms for one of its customers (POST /_sandbox/chaos with `faults: { <key>:
 * [...] }`): the server checks every provider's part of a request before arming any, so a
 * refused request arms nothing.
 */
export interface ProviderFaults {
  /** The key under `faults` that reaches this provider (`paypal`). */
  readonly key: string;
  /** Why the faults are refused, or the function that arms them (and answers what it armed). */
  prepare(input: unknown): (() => unknown[]) | string;
  /** What is armed now. */
  list(): unknown[];
}

export interface ProviderModule {
  /** The provider's name, as the dashboard shows it. */
  readonly name: string;
  /**
   * Answers the request if it is one of the module's and says whether it did; false leaves it to
   * the next module and then the server's 404. `url.pathname` is relative to the module's mount
   * (server.ts takes its prefix off), so a module routes as if it were alone at the root.
   */
  handle(request: http.IncomingMessage, response: http.ServerResponse, url: URL): Promise<boolean>;
  /**
   * Called after the store is migrated, before the server listens: waits for what the first
   * request needs and starts the background work. (A module is created before the migration, so
   * it can begin work that needs no store, such as bundling its scripts, at once.)
   */
  start(): Promise<void>;
  /** Stops the background work; the store is closed after every module stopped. */
  stop(): Promise<void>;
  /** After POST /_sandbox/reset emptied the store: forgets what the module keeps in memory. */
  reset(): void;
  /** The module's tables on the dashboard at `/`. */
  dashboard(): Promise<DashboardTable[]>;
  /** Per-customer faults armed under `faults.<key>`, when the provider has them (Stripe's predate this and take `faults` as a list). */
  readonly customerFaults?: ProviderFaults;
}
