// The journeys projection's tables: every tracking event, each journey's summary, and its timeline of stays.
// All derived from the log (replay rebuilds them bit for bit); int8 columns arrive as bigint.
import { sql, type ColumnType, type Kysely } from 'kysely';
import type { ColumnTypes } from '../runner/recordset-writer.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json = ColumnType<Record<string, unknown>, string, string>;

export interface TrackingEventsTable {
  guid: string;
  event_id: string;
  event_type: string;
  channel: string;
  occurred_at: Timestamp;
  received_at: Timestamp;
  actor_type: string | null;
  actor_id: string | null;
  dealer_code: string | null;
  session_id: string | null;
  user_id: string | null;
  details: Json;
  is_touch: boolean;
  direction: string;
  global_position: ColumnType<bigint, bigint | string, bigint | string>;
}

export interface JourneySummaryTable {
  guid: string;
  kind: string;
  vin: string | null;
  customer_id: string | null;
  dealer_code: string | null;
  component_code: string | null;
  severity: string | null;
  risk_score: number | null;
  failure_probability: number | null;
  risk_event_at: Timestamp | null;
  /** Event time at which the journey's clock started. */
  created_at: Timestamp;
  /** When the GUID was issued (server time). */
  issued_at: Timestamp;
  first_contact: Timestamp | null;
  last_contact: Timestamp | null;
  last_event_at: Timestamp;
  total_touches: number;
  total_events: number;
  channels_used: string[];
  current_state: string;
  state_entered_at: Timestamp;
  /** How many moves the timeline has (the seq of its last row in journey_transitions). */
  moves: number;
  converted_at: Timestamp | null;
  converted_seq: number | null;
  conversion_channel: string | null;
  conversion_touch_at: Timestamp | null;
  last_touch_channel: string | null;
  appointment_id: string | null;
  revenue_realized: ColumnType<string | null, string | number | null, string | number | null>;
  /** The latest facts by event time ("occurred_at|event_id"), so that arrival order does not matter. */
  last_touch_key: string | null;
  conversion_touch_key: string | null;
  appointment_key: string | null;
  revenue_key: string | null;
}

export interface JourneyTransitionsTable {
  guid: string;
  seq: number;
  from_state: string | null;
  to_state: string;
  entered_at: Timestamp;
  left_at: Timestamp | null;
  duration_ms: ColumnType<bigint | null, number | null, number | null>;
  trigger: string;
  cause_event_id: string | null;
  reason: string | null;
  metadata: Json | null;
}

export interface JourneysTables {
  tracking_events: TrackingEventsTable;
  journey_summary: JourneySummaryTable;
  journey_transitions: JourneyTransitionsTable;
}

/** The columns' SQL types, for writing a batch's rows in one statement (recordset-writer.ts). */
export const TRACKING_EVENT_COLUMNS: ColumnTypes<TrackingEventsTable> = {
  guid: 'text',
  event_id: 'text',
  event_type: 'text',
  channel: 'text',
  occurred_at: 'timestamptz',
  received_at: 'timestamptz',
  actor_type: 'text',
  actor_id: 'text',
  dealer_code: 'text',
  session_id: 'text',
  user_id: 'text',
  details: 'jsonb',
  is_touch: 'boolean',
  direction: 'text',
  global_position: 'bigint',
};

export const JOURNEY_SUMMARY_COLUMNS: ColumnTypes<JourneySummaryTable> = {
  guid: 'text',
  kind: 'text',
  vin: 'text',
  customer_id: 'text',
  dealer_code: 'text',
  component_code: 'text',
  severity: 'text',
  risk_score: 'double precision',
  failure_probability: 'double precision',
  risk_event_at: 'timestamptz',
  created_at: 'timestamptz',
  issued_at: 'timestamptz',
  first_contact: 'timestamptz',
  last_contact: 'timestamptz',
  last_event_at: 'timestamptz',
  total_touches: 'integer',
  total_events: 'integer',
  channels_used: 'text[]',
  current_state: 'text',
  state_entered_at: 'timestamptz',
  moves: 'integer',
  converted_at: 'timestamptz',
  converted_seq: 'integer',
  conversion_channel: 'text',
  conversion_touch_at: 'timestamptz',
  last_touch_channel: 'text',
  appointment_id: 'text',
  revenue_realized: 'numeric',
  last_touch_key: 'text',
  conversion_touch_key: 'text',
  appointment_key: 'text',
  revenue_key: 'text',
};

export const JOURNEY_TRANSITION_COLUMNS: ColumnTypes<JourneyTransitionsTable> = {
  guid: 'text',
  seq: 'integer',
  from_state: 'text',
  to_state: 'text',
  entered_at: 'timestamptz',
  left_at: 'timestamptz',
  duration_ms: 'bigint',
  trigger: 'text',
  cause_event_id: 'text',
  reason: 'text',
  metadata: 'jsonb',
};

export const JOURNEYS_TABLES = ['tracking_events', 'journey_summary', 'journey_transitions'] as const;

export const createJourneysSchema = async (db: Kysely<unknown>): Promise<void> => {
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
      moves integer NOT NULL,
      converted_at timestamptz,
      converted_seq integer,
      conversion_channel text,
      conversion_touch_at timestamptz,
      last_touch_channel text,
      appointment_id text,
      revenue_realized numeric(14, 2),
      last_touch_key text,
      conversion_touch_key text,
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
  `.execute(db);
};
