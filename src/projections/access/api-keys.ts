// Making, finding, rolling and revoking API keys. The key is returned once, by create and roll; what is stored
// cannot be used to authenticate.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import { formatApiKey, KEY_RANDOM_BYTES, parseApiKey, type DealerScope, type KeyEnvironment, type Role } from '../../domain/access/index.ts';
import type { ApiKeysTable, ApiKeysTables } from './api-keys-schema.ts';

export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** A key as lists and the admin API show it: never the key, never its hash. */
export interface KeyInfo {
  id: string;
  name: string;
  display_prefix: string;
  role: Role;
  dealers: DealerScope;
  environment: KeyEnvironment;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  replaced_by: string | null;
  last_used_at: string | null;
}

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

export const keyInfo = (row: Selectable<ApiKeysTable>): KeyInfo => ({
  id: row.id,
  name: row.name,
  display_prefix: row.display_prefix,
  role: row.role as Role,
  dealers: row.dealers ?? 'all',
  environment: row.environment as KeyEnvironment,
  created_at: iso(row.created_at)!,
  expires_at: iso(row.expires_at),
  revoked_at: iso(row.revoked_at),
  replaced_by: row.replaced_by,
  last_used_at: iso(row.last_used_at),
});

export interface NewKey {
  name: string;
  role: Role;
  dealers: DealerScope;
  environment?: KeyEnvironment;
  expiresAt?: Date | null;
}

const keys = (db: Kysely<unknown>) => db as Kysely<ApiKeysTables>;

export const createKey = async (db: Kysely<unknown>, k: NewKey, now = new Date()): Promise<{ key: string; info: KeyInfo }> => {
  const key = formatApiKey(k.environment ?? 'live', randomBytes(KEY_RANDOM_BYTES));
  const parsed = parseApiKey(key);
  if (!parsed.ok) throw new Error('a freshly made key does not parse');
  const row = await keys(db)
    .insertInto('threadline_api_keys')
    .values({
      id: `key_${randomUUID().replaceAll('-', '').slice(0, 16)}`,
      name: k.name,
      display_prefix: parsed.displayPrefix,
      hash: hashKey(key),
      role: k.role,
      dealers: k.dealers === 'all' ? null : [...k.dealers],
      environment: parsed.environment,
      created_at: now,
      expires_at: k.expiresAt ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { key, info: keyInfo(row) };
};

export const findKeyByHash = (db: Kysely<unknown>, hash: string) =>
  keys(db).selectFrom('threadline_api_keys').selectAll().where('hash', '=', hash).executeTakeFirst();

export const findKey = (db: Kysely<unknown>, id: string) => keys(db).selectFrom('threadline_api_keys').selectAll().where('id', '=', id).executeTakeFirst();

export const listKeys = async (db: Kysely<unknown>): Promise<KeyInfo[]> =>
  (await keys(db).selectFrom('threadline_api_keys').selectAll().orderBy('created_at').orderBy('id').execute()).map(keyInfo);

export const countKeys = async (db: Kysely<unknown>): Promise<number> =>
  Number((await keys(db).selectFrom('threadline_api_keys').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

/** Whether a stored key authenticates at `now`. */
export const isLive = (row: Pick<Selectable<ApiKeysTable>, 'revoked_at' | 'expires_at'>, now: Date): boolean =>
  (row.revoked_at === null || new Date(row.revoked_at) > now) && (row.expires_at === null || new Date(row.expires_at) > now);

/** Revokes at once; a key revoked already keeps its first revocation time. */
export const revokeKey = async (db: Kysely<unknown>, id: string, reason: string, now = new Date()): Promise<KeyInfo | undefined> => {
  const row = await keys(db)
    .updateTable('threadline_api_keys')
    .set({ revoked_at: sql<Date>`coalesce(least(revoked_at, ${now}), ${now})`, revoke_reason: reason })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row && keyInfo(row);
};

/**
 * A new key with the old one's name, role, dealers and expiry; the old one dies after `graceMs` (0: at once), so
 * that a deployment can switch over without downtime.
 */
export const rollKey = async (db: Kysely<unknown>, id: string, graceMs: number, now = new Date()): Promise<{ key: string; info: KeyInfo; old: KeyInfo } | undefined> =>
  db.transaction().execute(async (trx) => {
    const old = await keys(trx).selectFrom('threadline_api_keys').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
    if (!old || !isLive(old, now)) return undefined;
    const made = await createKey(trx, { name: old.name, role: old.role as Role, dealers: old.dealers ?? 'all', environment: old.environment as KeyEnvironment, expiresAt: old.expires_at }, now);
    const updated = await keys(trx)
      .updateTable('threadline_api_keys')
      .set({ revoked_at: new Date(now.getTime() + graceMs), revoke_reason: `rolled to ${made.info.id}`, replaced_by: made.info.id })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { ...made, old: keyInfo(updated) };
  });

/** Writes the last-use times gathered in memory (one update per key used since the last write, never per request). */
export const touchKeys = async (db: Kysely<unknown>, used: ReadonlyMap<string, Date>): Promise<void> => {
  for (const [id, at] of used) {
    await keys(db)
      .updateTable('threadline_api_keys')
      .set({ last_used_at: sql<Date>`coalesce(greatest(last_used_at, ${at}), ${at})` })
      .where('id', '=', id)
      .execute();
  }
};
