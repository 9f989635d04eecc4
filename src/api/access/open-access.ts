// The access capability as the HTTP pipeline uses it: authentication, budgets and the audit trail, opened together.
import type { Kysely } from 'kysely';
import { createAuditWriter } from '../../projections/access/index.ts';
import type { AccessDeps } from '../http/deps.ts';
import { createAuthenticator, type KeyAuthenticator } from './authenticator.ts';
import type { OAuthOptions } from './oauth.ts';
import { createRateLimiter, type RateBudgets } from './rate-limiter.ts';

export interface AccessOptions {
  adminSecret: string | null;
  oauth: OAuthOptions | null;
  keyCacheTtlMs: number;
  rateLimits: RateBudgets;
  /** Budgets kept in PostgreSQL (shared by every process) or in this process's memory (the embedded store). */
  rateBackend: { kind: 'memory' } | { kind: 'postgres'; connectionString: string };
  auditFlushMs: number;
  corsOrigins: readonly string[];
  logger?: { error(o: object, m: string): void; warn(o: object, m: string): void; info(o: object, m: string): void };
}

export interface OpenedAccess extends AccessDeps {
  authenticator: KeyAuthenticator;
  /** Writes the audit records and key uses still in memory, then releases the limiter's connections. */
  close(): Promise<void>;
}

export const openAccess = async (db: Kysely<unknown>, o: AccessOptions): Promise<OpenedAccess> => {
  const authenticator = createAuthenticator(db, { adminSecret: o.adminSecret, oauth: o.oauth, keyCacheTtlMs: o.keyCacheTtlMs, logger: o.logger });
  const rateLimiter = await createRateLimiter({ budgets: o.rateLimits, backend: o.rateBackend, logger: o.logger });
  const audit = createAuditWriter(db, { flushMs: o.auditFlushMs, logger: o.logger });
  return {
    authenticator,
    rateLimiter,
    audit,
    corsOrigins: o.corsOrigins,
    async close() {
      await audit.close();
      await authenticator.close();
      await rateLimiter.close();
    },
  };
};
