// Read-model migrations, run at start under Kysely's migration lock.
import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import { READ_MODEL_TABLES } from './schema.ts';

/**
 * The read models as they are now. Everything here is derived from the event log, so a change of shape or of
 * meaning is a new migration that drops the tables and lets the projection replay the log into the new ones.
 */
const createCurrentSchema = async (db: Kysely<unknown>) => {
  await sql`
    CREATE TABLE IF NOT EXISTS tracking_events (
      guid text NOT NULL,
      event_id text NOT NULL,
      event_type text NOT NULL,
      channel text NOT NULL,
      occurred_at timestamptz NOT NULL,
      received_at timestamptz NOT NULL,
      actor_type text,
      actor_id text,
      dealer_code text,
      session_id text,
      user_id text,
      details jsonb NOT NULL,
      is_touch boolean NOT NULL,
      direction text NOT NULL,
      global_position bigint NOT NULL,
      PRIMARY KEY (guid, event_id)
    );
    CREATE INDEX IF NOT EXISTS tracking_events_guid_time ON tracking_events (guid, occurred_at, event_id);
    CREATE INDEX IF NOT EXISTS tracking_events_time ON tracking_events (occurred_at);
    CREATE INDEX IF NOT EXISTS tracking_events_type_time ON tracking_events (event_type, occurred_at);
    CREATE INDEX IF NOT EXISTS tracking_events_channel_time ON tracking_events (channel, occurred_at);
    CREATE INDEX IF NOT EXISTS tracking_events_dealer_time ON tracking_events (dealer_code, occurred_at);
    CREATE INDEX IF NOT EXISTS tracking_events_session ON tracking_events (session_id) WHERE session_id IS NOT NULL;

    CREATE TABLE IF NOT EXISTS journey_summary (
      guid text PRIMARY KEY,
      kind text NOT NULL,
      vin text,
      customer_id text,
      dealer_code text,
      component_code text,
      severity text,
      risk_score double precision,
      failure_probability double precision,
      risk_event_at timestamptz,
      -- When the journey's clock started (event time: the risk event, the conversation's start) and when the GUID was issued.
      created_at timestamptz NOT NULL,
      issued_at timestamptz NOT NULL,
      first_contact timestamptz,
      last_contact timestamptz,
      last_event_at timestamptz NOT NULL,
      total_touches integer NOT NULL,
      total_events integer NOT NULL,
      channels_used text[] NOT NULL,
      current_state text NOT NULL,
      state_entered_at timestamptz NOT NULL,
      converted_at timestamptz,
      -- The transition (seq) that converted, so that a revision of the timeline after it keeps the conversion.
      converted_seq integer,
      conversion_channel text,
      conversion_touch_at timestamptz,
      last_touch_channel text,
      appointment_id text,
      revenue_realized numeric(14, 2),
      -- The latest appointment and revenue facts by event time ("occurred_at|event_id"), so that arrival order does not matter.
      appointment_key text,
      revenue_key text
    );
    CREATE INDEX IF NOT EXISTS journey_summary_created ON journey_summary (created_at, guid);
    CREATE INDEX IF NOT EXISTS journey_summary_state ON journey_summary (current_state, created_at);
    CREATE INDEX IF NOT EXISTS journey_summary_dealer ON journey_summary (dealer_code, created_at);
    CREATE INDEX IF NOT EXISTS journey_summary_kind ON journey_summary (kind, created_at);
    CREATE INDEX IF NOT EXISTS journey_summary_severity ON journey_summary (severity);
    CREATE INDEX IF NOT EXISTS journey_summary_vin ON journey_summary (vin);
    CREATE INDEX IF NOT EXISTS journey_summary_customer ON journey_summary (customer_id);
    CREATE INDEX IF NOT EXISTS journey_summary_last_contact ON journey_summary (last_contact);
    CREATE INDEX IF NOT EXISTS journey_summary_converted ON journey_summary (converted_at) WHERE converted_at IS NOT NULL;

    CREATE TABLE IF NOT EXISTS journey_transitions (
      guid text NOT NULL,
      seq integer NOT NULL,
      from_state text,
      to_state text NOT NULL,
      entered_at timestamptz NOT NULL,
      left_at timestamptz,
      duration_ms bigint,
      trigger text NOT NULL,
      cause_event_id text,
      reason text,
      metadata jsonb,
      PRIMARY KEY (guid, seq)
    );
    CREATE INDEX IF NOT EXISTS journey_transitions_to_state ON journey_transitions (to_state, entered_at);

    CREATE TABLE IF NOT EXISTS journey_paths (
      guid text PRIMARY KEY,
      kind text NOT NULL,
      created_at timestamptz NOT NULL,
      -- Every touch as [epoch ms, channel, event id], in (time, event id) order, as JSON text: one JSON.parse, not three
      -- arrays (postgres-array and postgres-date took 0.4 s a batch for a journey of 30,000 touches) nor a json column
      -- (the event-payload parser would scan it for big integers, which it cannot hold).
      touches text NOT NULL,
      converted boolean NOT NULL,
      converted_at timestamptz,
      value numeric(14, 2),
      -- What attribution counts: the touches before the conversion (all touches while not converted, at most
      -- MAX_PATH_TOUCHES of them), and a converted journey's time-decay shares, so that a window of a million
      -- journeys aggregates in SQL.
      path text[] NOT NULL,
      time_decay_shares jsonb
    );
    CREATE INDEX IF NOT EXISTS journey_paths_converted ON journey_paths (kind, converted_at) WHERE converted;
    CREATE INDEX IF NOT EXISTS journey_paths_created ON journey_paths (kind, created_at);
    -- Index-only scans for the attribution aggregates (a window of a million journeys reads no table pages).
    CREATE INDEX IF NOT EXISTS journey_paths_converted_cover ON journey_paths (kind, converted_at) INCLUDE (path, value) WHERE converted;
    CREATE INDEX IF NOT EXISTS journey_paths_open_cover ON journey_paths (kind, created_at) INCLUDE (path) WHERE NOT converted;

    -- Events a projection could not apply, with the error: listed in /healthz and /api/v2/admin/quarantine, tried
    -- again by a rebuild.
    CREATE TABLE IF NOT EXISTS projection_quarantine (
      projection text NOT NULL,
      stream_id text NOT NULL,
      stream_position bigint NOT NULL,
      global_position bigint NOT NULL,
      event_type text NOT NULL,
      error text NOT NULL,
      quarantined_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (projection, stream_id, stream_position)
    );
    CREATE INDEX IF NOT EXISTS projection_quarantine_stream ON projection_quarantine (stream_id);

    CREATE TABLE IF NOT EXISTS projection_checkpoints (
      name text PRIMARY KEY,
      transaction_id bigint NOT NULL,
      stream_id text NOT NULL,
      stream_position bigint NOT NULL,
      global_position bigint NOT NULL,
      events_processed bigint NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
  `.execute(db);
};

const dropReadModels = async (db: Kysely<unknown>) => {
  await sql`DROP TABLE IF EXISTS ${sql.join(READ_MODEL_TABLES.map((t) => sql.table(t)))} CASCADE`.execute(db);
  await sql`DELETE FROM projection_checkpoints`.execute(db);
};

/**
 * 0001-0003 built the first shapes; the current schema is idempotent DDL, so on an empty database they create it
 * and 0004 replaces it again at no cost. 0004 (event time: clocks start at the journey's own event time, the
 * timeline folds facts by occurred_at) changes what the rows mean: the projection replays the log into them.
 */
const recreate: Migration = {
  async up(db: Kysely<unknown>) {
    await dropReadModels(db);
    await createCurrentSchema(db);
  },
};
const current: Migration = { up: createCurrentSchema };

const MIGRATIONS: Record<string, Migration> = {
  '0001_read_models': current,
  '0002_journey_paths': current,
  '0003_attribution_indexes': current,
  '0004_event_time': recreate,
};

export const migrateReadModels = async (db: Kysely<unknown>): Promise<void> => {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => MIGRATIONS },
    migrationTableName: 'threadline_migrations',
    migrationLockTableName: 'threadline_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Read-model migration ${failed} failed`, { cause: error });
  }
};

/** Drops every read model and creates it empty again, for a rebuild. */
export const recreateReadModels = async (db: Kysely<unknown>): Promise<void> => {
  await dropReadModels(db);
  await createCurrentSchema(db);
};
