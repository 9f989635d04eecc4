// Kysely types of the read models, all derived from the event log (replay rebuilds them bit for bit); int8 columns arrive as bigint.
import type { ColumnType, Generated } from 'kysely';

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
  converted_at: Timestamp | null;
  converted_seq: number | null;
  conversion_channel: string | null;
  conversion_touch_at: Timestamp | null;
  last_touch_channel: string | null;
  appointment_id: string | null;
  revenue_realized: ColumnType<string | null, string | number | null, string | number | null>;
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

/** A touch as journey_paths keeps it: [epoch ms, channel, event id]. */
export type Touch = [at: number, channel: string, eventId: string];

export const parseTouches = (text: string): Touch[] => JSON.parse(text) as Touch[];

/** Per journey: its touches in event-time order, and whether, when and for how much it converted. */
export interface JourneyPathsTable {
  guid: string;
  kind: string;
  created_at: Timestamp;
  /** JSON text of Touch[]; parse with parseTouches. */
  touches: string;
  converted: boolean;
  converted_at: Timestamp | null;
  value: ColumnType<string | null, string | number | null, string | number | null>;
  path: string[];
  time_decay_shares: ColumnType<Record<string, number> | null, string | null, string | null>;
}

export interface ProjectionCheckpointsTable {
  name: string;
  transaction_id: ColumnType<bigint, bigint | string, bigint | string>;
  stream_id: string;
  stream_position: ColumnType<bigint, bigint | string, bigint | string>;
  global_position: ColumnType<bigint, bigint | string, bigint | string>;
  events_processed: ColumnType<bigint, bigint | string, bigint | string>;
  updated_at: Generated<Date>;
}

export interface ProjectionQuarantineTable {
  projection: string;
  stream_id: string;
  stream_position: ColumnType<bigint, bigint | string, bigint | string>;
  global_position: ColumnType<bigint, bigint | string, bigint | string>;
  event_type: string;
  error: string;
  quarantined_at: ColumnType<Date, Date | undefined, Date>;
}

export interface ReadModels {
  tracking_events: TrackingEventsTable;
  journey_summary: JourneySummaryTable;
  journey_transitions: JourneyTransitionsTable;
  journey_paths: JourneyPathsTable;
  projection_checkpoints: ProjectionCheckpointsTable;
  projection_quarantine: ProjectionQuarantineTable;
}


/** Every table a rebuild drops and refills. */
export const READ_MODEL_TABLES = ['tracking_events', 'journey_summary', 'journey_transitions', 'journey_paths'] as const;
