// Reads of the portal sessions read model: one session with its actions in order, and the sessions idle too long.
import type { Kysely } from 'kysely';
import type { PortalSessionsTables } from './portal-sessions-schema.ts';

type Db = Kysely<PortalSessionsTables>;

export interface PortalSessionRow {
  session_id: string;
  guid: string;
  dealer_code: string | null;
  user_id: string | null;
  role: string | null;
  started_at: Date;
  last_activity_at: Date;
  ended_at: Date | null;
  end_reason: string | null;
  actions: { action: string; event_type: string; event_id: string; at: Date }[];
}

/** The session with its actions by event time (log order at the same instant), or null when it never started. */
export const getPortalSession = async (db: Kysely<unknown>, sessionId: string): Promise<PortalSessionRow | null> => {
  const d = db as Db;
  const s = await d.selectFrom('portal_sessions').selectAll().where('session_id', '=', sessionId).where('started_at', 'is not', null).executeTakeFirst();
  if (!s) return null;
  const actions = await d
    .selectFrom('portal_session_actions')
    .select(['action', 'event_type', 'event_id', 'at'])
    .where('session_id', '=', sessionId)
    .orderBy('at')
    .orderBy('position')
    .execute();
  return { ...s, started_at: s.started_at!, last_activity_at: s.last_activity_at ?? s.started_at!, actions };
};

export interface IdleSession {
  session_id: string;
  guid: string;
  dealer_code: string | null;
  user_id: string | null;
  last_activity_at: Date;
}

/** Open sessions whose last activity is older than `before`, oldest first. */
export const idlePortalSessions = async (db: Kysely<unknown>, before: Date, limit: number, sessionIds?: readonly string[]): Promise<IdleSession[]> => {
  let q = (db as Db)
    .selectFrom('portal_sessions')
    .select(['session_id', 'guid', 'dealer_code', 'user_id', 'last_activity_at'])
    .where('ended_at', 'is', null)
    .where('started_at', 'is not', null)
    .where('last_activity_at', '<', before)
    .orderBy('last_activity_at')
    .orderBy('session_id')
    .limit(limit);
  if (sessionIds) q = q.where('session_id', 'in', sessionIds.length > 0 ? [...sessionIds] : ['']);
  return (await q.execute()) as IdleSession[];
};
