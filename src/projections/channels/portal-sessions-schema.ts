// The dealer-portal sessions read model: one row per session (who, when, how it ended) and one row per action, in
// the order they happened. The sessions themselves are events on their journeys; these rows are their projection.
import { sql, type ColumnType, type Kysely } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null, Date | string | null>;

export interface PortalSessionsTable {
  session_id: string;
  guid: string;
  dealer_code: string | null;
  user_id: string | null;
  role: string | null;
  /** Null while only actions of the session are known (its start is not a PORTAL_SESSION_START of the log). */
  started_at: NullableTimestamp;
  /** The start or the newest action, by event time: what the idle TTL counts from. */
  last_activity_at: NullableTimestamp;
  /** The earliest PORTAL_SESSION_END by event time. */
  ended_at: NullableTimestamp;
  /** `ended` (by the user) or `idle` (the TTL passed). */
  end_reason: string | null;
}

export interface PortalSessionActionsTable {
  session_id: string;
  event_id: string;
  guid: string;
  action: string;
  event_type: string;
  at: Timestamp;
  /** The event's global log position: the order of actions at the same instant. */
  position: ColumnType<bigint, bigint | string, bigint | string>;
}

export interface PortalSessionsTables {
  portal_sessions: PortalSessionsTable;
  portal_session_actions: PortalSessionActionsTable;
}

export const PORTAL_SESSIONS_TABLES = ['portal_sessions', 'portal_session_actions'] as const;

export const createPortalSessionsSchema = async (db: Kysely<unknown>): Promise<void> => {
  await sql`
    CREATE TABLE IF NOT EXISTS portal_sessions (
      session_id text PRIMARY KEY,
      guid text NOT NULL,
      dealer_code text,
      user_id text,
      role text,
      started_at timestamptz,
      last_activity_at timestamptz,
      ended_at timestamptz,
      end_reason text
    )
  `.execute(db);
  // The idle worker's scan: open sessions by last activity.
  await sql`CREATE INDEX IF NOT EXISTS portal_sessions_open_idx ON portal_sessions (last_activity_at) WHERE ended_at IS NULL`.execute(db);
  await sql`
    CREATE TABLE IF NOT EXISTS portal_session_actions (
      session_id text NOT NULL,
      event_id text NOT NULL,
      guid text NOT NULL,
      action text NOT NULL,
      event_type text NOT NULL,
      at timestamptz NOT NULL,
      position bigint NOT NULL,
      PRIMARY KEY (session_id, event_id)
    )
  `.execute(db);
};
