// Which journey a portal session belongs to, kept as state (not projected, never dropped by a rebuild) and written
// before the session's start is appended: a session's id finds its journey at once, in every process, with no wait
// for the projections. The session itself (started, ended) is read from the journey's events.
import { sql, type ColumnType, type Kysely } from 'kysely';
import type { PortalSessionsTables } from './portal-sessions-schema.ts';

export interface PortalSessionIndexTable {
  session_id: string;
  guid: string;
  created_at: ColumnType<Date, Date | string, never>;
}

type Db = Kysely<{ portal_session_index: PortalSessionIndexTable } & PortalSessionsTables>;

export const createPortalSessionIndexSchema = async (db: Kysely<unknown>): Promise<void> => {
  await sql`
    CREATE TABLE IF NOT EXISTS portal_session_index (
      session_id text PRIMARY KEY,
      guid text NOT NULL,
      created_at timestamptz NOT NULL
    )
  `.execute(db);
};

/**
 * Reserves the session id for the journey; answers the journey it belongs to, which is another one when the id
 * (derived from an Idempotency-Key) was reserved for another journey before.
 */
export const reservePortalSession = async (db: Kysely<unknown>, sessionId: string, guid: string, at: Date): Promise<string> => {
  const d = db as Db;
  await d.insertInto('portal_session_index').values({ session_id: sessionId, guid, created_at: at }).onConflict((oc) => oc.column('session_id').doNothing()).execute();
  const row = await d.selectFrom('portal_session_index').select('guid').where('session_id', '=', sessionId).executeTakeFirstOrThrow();
  return row.guid;
};

/**
 * The journey of a session: from the index, else from the read model (a log replayed into another database has
 * sessions the index never saw), else null.
 */
export const journeyOfPortalSession = async (db: Kysely<unknown>, sessionId: string): Promise<string | null> => {
  const d = db as Db;
  const held = await d.selectFrom('portal_session_index').select('guid').where('session_id', '=', sessionId).executeTakeFirst();
  if (held) return held.guid;
  const projected = await d.selectFrom('portal_sessions').select('guid').where('session_id', '=', sessionId).executeTakeFirst();
  return projected?.guid ?? null;
};
