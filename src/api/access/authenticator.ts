// Authorization: Bearer <credential> → a principal. An API key (its checksum refuses a typo before any lookup), the
// configured admin secret, or an OAuth 2.0 JWT; or Basic with an API key as the user name (Segment's write key).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { parseApiKey, type Principal, type Role } from '../../domain/access/index.ts';
import { findKeyByHash, hashKey, isLive, touchKeys } from '../../projections/access/index.ts';
import type { Authentication, Authenticator } from '../http/deps.ts';
import { createOAuthVerifier, type OAuthOptions } from './oauth.ts';

export interface AuthenticatorOptions {
  adminSecret: string | null;
  oauth: OAuthOptions | null;
  /** How long a looked-up key is trusted before it is looked up again. */
  keyCacheTtlMs: number;
  clock?: () => Date;
  logger?: { error(o: object, m: string): void };
}

const sha = (s: string) => createHash('sha256').update(s).digest();

const fail = (reason: string): Authentication => ({ ok: false, reason });

export interface KeyAuthenticator extends Authenticator {
  /** Forgets cached keys (after a revocation or roll in this process: dead here at once, elsewhere within the TTL). */
  forget(): void;
  /** Writes the last-use times still in memory. */
  close(): Promise<void>;
}

export const createAuthenticator = (db: Kysely<unknown>, o: AuthenticatorOptions): KeyAuthenticator => {
  const now = o.clock ?? (() => new Date());
  const adminHash = o.adminSecret ? sha(o.adminSecret) : null;
  const verifyToken = o.oauth ? createOAuthVerifier(o.oauth) : null;
  const cache = new Map<string, { principal: Principal | null; reason: string; row: { revoked_at: Date | null; expires_at: Date | null } | null; until: number }>();
  const used = new Map<string, Date>();
  let flushing: Promise<void> | null = null;

  const flushUse = async () => {
    if (used.size === 0) return;
    const batch = new Map(used);
    used.clear();
    await touchKeys(db, batch).catch((error) => o.logger?.error({ err: error }, 'could not record keys\' last use'));
  };
  const timer = setInterval(() => {
    flushing ??= flushUse().finally(() => (flushing = null));
  }, 10_000);
  timer.unref();

  const byKey = async (key: string): Promise<Authentication> => {
    const parsed = parseApiKey(key);
    if (!parsed.ok) return fail(parsed.reason === 'bad_checksum' ? 'The API key is mistyped (its checksum does not match)' : 'Not an API key');
    const hash = hashKey(key);
    const at = now();
    let hit = cache.get(hash);
    if (!hit || hit.until <= Date.now()) {
      const row = await findKeyByHash(db, hash);
      hit = row
        ? { principal: { via: 'key', id: row.id, label: row.display_prefix, role: row.role as Role, dealers: row.dealers ?? 'all' }, reason: '', row: { revoked_at: row.revoked_at, expires_at: row.expires_at }, until: Date.now() + o.keyCacheTtlMs }
        : { principal: null, reason: 'Unknown API key', row: null, until: Date.now() + o.keyCacheTtlMs };
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, hit);
    }
    if (!hit.principal || !hit.row) return fail(hit.reason);
    if (!isLive(hit.row, at)) return fail('The API key is expired or revoked');
    used.set(hit.principal.id, at);
    return { ok: true, principal: hit.principal };
  };

  return {
    async authenticate(header) {
      // Segment's libraries send their write key as HTTP Basic, user name = key, empty password: an API key only.
      const basic = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header ?? '');
      if (basic) {
        const [user, ...password] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
        if (user?.startsWith('tl_') && password.join(':') === '') return byKey(user);
        return fail('Basic credentials must be an API key as the user name with an empty password (a Segment write key); otherwise send Authorization: Bearer <key or token>');
      }
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
      if (!m) return fail(header ? 'Send credentials as Authorization: Bearer <key or token>' : 'Authentication required: Authorization: Bearer <key or token>');
      const credential = m[1]!;
      if (adminHash && timingSafeEqual(sha(credential), adminHash)) return { ok: true, principal: { via: 'admin_secret', id: 'admin', label: 'admin secret', role: 'admin', dealers: 'all' } };
      if (credential.startsWith('tl_')) return byKey(credential);
      if (verifyToken && credential.split('.').length === 3) return verifyToken(credential);
      return fail('Unknown credentials');
    },
    forget() {
      cache.clear();
    },
    async close() {
      clearInterval(timer);
      await flushing;
      await flushUse();
    },
  };
};
