// Reading the audit trail for an export: records in seq order, filtered by time, actor and touched object, paged
// by seq (pass the last seq of a page as `after` for the next).
import { sql, type Kysely } from 'kysely';
import { fromRow, type AuditRecord } from './audit-chain.ts';
import type { AuditTables } from './audit-schema.ts';

export interface AuditFilter {
  /** Records at or after this time. */
  from?: Date | undefined;
  /** Records before this time. */
  to?: Date | undefined;
  /** A principal's id (a key's id, `admin`, a token's subject). */
  actor?: string | undefined;
  /** Records whose objects include this GUID (or any other object name: a key id, an export range). */
  guid?: string | undefined;
  /** Records after this seq. */
  after?: number | undefined;
  limit: number;
}

export const readAudit = async (db: Kysely<unknown>, filter: AuditFilter): Promise<AuditRecord[]> => {
  let q = db
    .withTables<AuditTables>()
    .selectFrom('threadline_audit')
    .selectAll()
    .where('seq', '>', filter.after ?? 0);
  if (filter.from) q = q.where('at', '>=', filter.from);
  if (filter.to) q = q.where('at', '<', filter.to);
  if (filter.actor !== undefined) q = q.where('actor_id', '=', filter.actor);
  if (filter.guid !== undefined) q = q.where(sql<boolean>`objects @> ARRAY[${filter.guid}]::text[]`);
  const rows = await q.orderBy('seq').limit(filter.limit).execute();
  return rows.map(fromRow);
};
