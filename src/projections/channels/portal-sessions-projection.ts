// The portal sessions projection: PORTAL_SESSION_START / END and the portal actions of a session (its id in
// details.portal_session_id) folded per batch in memory, then one statement per table. Merges are order-free where
// batches may split: the first start in log order, the newest activity and the earliest end by event time.
import { sql, type Insertable, type Kysely } from 'kysely';
import { portalActionName, PORTAL_ACTION_TYPES } from '../../domain/channels/portal-session.ts';
import { journeyBatch, parseGuid } from '../../domain/journeys/index.ts';
import type { LoggedEvent } from '../../eventstore/index.ts';
import type { ProjectionDefinition } from '../runner/projection.ts';
import { createPortalSessionsSchema, PORTAL_SESSIONS_TABLES, type PortalSessionActionsTable, type PortalSessionsTables } from './portal-sessions-schema.ts';

const CHUNK = 1000;

interface SessionRow {
  session_id: string;
  guid: string;
  dealer_code: string | null;
  user_id: string | null;
  role: string | null;
  started_at: string | null;
  last_activity_at: string | null;
  ended_at: string | null;
  end_reason: string | null;
}

type ActionRow = Insertable<PortalSessionActionsTable> & { at: string; position: bigint };

const later = (a: string | null, b: string) => (a === null || Date.parse(b) > Date.parse(a) ? b : a);

export const projectPortalSessions = async (db: Kysely<unknown>, events: LoggedEvent[]): Promise<void> => {
  const trx = db as Kysely<PortalSessionsTables>;
  const sessions = new Map<string, SessionRow>();
  const actions = new Map<string, ActionRow>();
  for (const { guid, event, entry } of journeyBatch(events).items) {
    if (event.type !== 'TrackingEventLogged' || !event.data.event_type.startsWith('PORTAL_')) continue;
    const e = event.data;
    const id = e.details['portal_session_id'];
    if (typeof id !== 'string') continue;
    let s = sessions.get(id);
    if (!s) {
      s = { session_id: id, guid, dealer_code: null, user_id: null, role: null, started_at: null, last_activity_at: null, ended_at: null, end_reason: null };
      sessions.set(id, s);
    }
    if (e.event_type === 'PORTAL_SESSION_START') {
      if (s.started_at === null) {
        const role = e.details['role'];
        Object.assign(s, { dealer_code: e.dealer_code ?? parseGuid(guid)?.dealer ?? null, user_id: e.user_id, role: typeof role === 'string' ? role : null, started_at: e.occurred_at });
      }
      s.last_activity_at = later(s.last_activity_at, e.occurred_at);
    } else if (e.event_type === 'PORTAL_SESSION_END') {
      if (s.ended_at === null || Date.parse(e.occurred_at) < Date.parse(s.ended_at)) Object.assign(s, { ended_at: e.occurred_at, end_reason: String(e.details['reason'] ?? 'ended') });
    } else if (PORTAL_ACTION_TYPES.has(e.event_type)) {
      const action = portalActionName(e);
      if (action === null) continue;
      s.last_activity_at = later(s.last_activity_at, e.occurred_at);
      const key = `${id}|${e.event_id}`;
      if (!actions.has(key)) actions.set(key, { session_id: id, event_id: e.event_id, guid, action, event_type: e.event_type, at: e.occurred_at, position: entry.position.globalPosition });
    }
  }
  const rows = [...sessions.values()];
  for (let i = 0; i < rows.length; i += CHUNK) {
    await trx
      .insertInto('portal_sessions')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) =>
        oc.column('session_id').doUpdateSet({
          // What the start says is taken from the first start only (a row may exist from actions before it).
          dealer_code: sql`CASE WHEN portal_sessions.started_at IS NULL THEN coalesce(excluded.dealer_code, portal_sessions.dealer_code) ELSE portal_sessions.dealer_code END`,
          user_id: sql`CASE WHEN portal_sessions.started_at IS NULL THEN coalesce(excluded.user_id, portal_sessions.user_id) ELSE portal_sessions.user_id END`,
          role: sql`CASE WHEN portal_sessions.started_at IS NULL THEN coalesce(excluded.role, portal_sessions.role) ELSE portal_sessions.role END`,
          started_at: sql`coalesce(portal_sessions.started_at, excluded.started_at)`,
          // GREATEST and LEAST skip nulls.
          last_activity_at: sql`greatest(portal_sessions.last_activity_at, excluded.last_activity_at)`,
          end_reason: sql`CASE WHEN excluded.ended_at IS NOT NULL AND (portal_sessions.ended_at IS NULL OR excluded.ended_at < portal_sessions.ended_at) THEN excluded.end_reason ELSE portal_sessions.end_reason END`,
          ended_at: sql`least(portal_sessions.ended_at, excluded.ended_at)`,
        }),
      )
      .execute();
  }
  const actionRows = [...actions.values()];
  for (let i = 0; i < actionRows.length; i += CHUNK) {
    await trx.insertInto('portal_session_actions').values(actionRows.slice(i, i + CHUNK)).onConflict((oc) => oc.columns(['session_id', 'event_id']).doNothing()).execute();
  }
};

export const portalSessionsProjection: ProjectionDefinition = {
  name: 'portal-sessions',
  version: 1,
  tables: PORTAL_SESSIONS_TABLES,
  createSchema: createPortalSessionsSchema,
  // Only tracking events carry portal facts; the runner skips the rest.
  handles: ['TrackingEventLogged'],
  apply: projectPortalSessions,
};
