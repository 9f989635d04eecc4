// Webhook delivery state (not a projection: a rebuild never drops it): one row per (endpoint, envelope) with its
// retry state, every attempt made, and the relay's cursor in the live outbox.
import { sql, type ColumnType, type Generated, type Kysely } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'cancelled'] as const;
/** `failed` is a dead letter: the schedule was spent (or the endpoint answered 410). */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface WebhookDeliveriesTable {
  id: string;
  subscription_id: string;
  /** The envelope id: the `webhook-id`, the same on every attempt and replay. */
  envelope_id: string;
  event_type: string;
  /** Where the envelope sits in the live outbox. */
  envelope_position: ColumnType<bigint, bigint | string, bigint | string>;
  envelope_idx: number;
  /** The envelope's JSON text, sent verbatim. */
  payload: string;
  status: DeliveryStatus;
  /** Attempts since the delivery was queued (a replay starts a fresh schedule; the attempts table keeps them all). */
  attempts: number;
  /** How many times it was replayed. */
  replays: number;
  next_attempt_at: Timestamp;
  /** Set while a dispatcher has it in flight; past it, another may take it (the holder died). */
  lease_until: Timestamp | null;
  /** The dispatcher holding the lease: once it stops beating, its leases are taken back before they expire. */
  leased_by: string | null;
  last_status: string | null;
  last_attempt_at: Timestamp | null;
  created_at: Timestamp;
  delivered_at: Timestamp | null;
}

export interface WebhookAttemptsTable {
  id: Generated<bigint>;
  delivery_id: string;
  at: Timestamp;
  status_code: number | null;
  error: string | null;
  latency_ms: number;
  /** At most 500 characters of the answer's body. */
  response_excerpt: string | null;
}

/** Each running dispatcher's heartbeat. */
export interface WebhookDispatchersTable {
  id: string;
  seen_at: Timestamp;
}

export interface WebhookRelayCursorTable {
  id: number;
  position: ColumnType<bigint, bigint | string, bigint | string>;
  idx: number;
}

export interface WebhookDeliveryTables {
  threadline_webhook_deliveries: WebhookDeliveriesTable;
  threadline_webhook_attempts: WebhookAttemptsTable;
  threadline_webhook_relay_cursor: WebhookRelayCursorTable;
  threadline_webhook_dispatchers: WebhookDispatchersTable;
}

export const createWebhookDeliveriesSchema = async (db: Kysely<unknown>): Promise<void> => {
  await sql`
    CREATE TABLE IF NOT EXISTS threadline_webhook_deliveries (
      id text PRIMARY KEY,
      subscription_id text NOT NULL,
      envelope_id text NOT NULL,
      event_type text NOT NULL,
      envelope_position bigint NOT NULL,
      envelope_idx integer NOT NULL,
      payload text NOT NULL,
      status text NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      replays integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL,
      lease_until timestamptz,
      leased_by text,
      last_status text,
      last_attempt_at timestamptz,
      created_at timestamptz NOT NULL,
      delivered_at timestamptz,
      UNIQUE (subscription_id, envelope_id)
    );
    CREATE INDEX IF NOT EXISTS threadline_webhook_deliveries_due ON threadline_webhook_deliveries (subscription_id, next_attempt_at) WHERE status = 'pending';
    CREATE INDEX IF NOT EXISTS threadline_webhook_deliveries_leased ON threadline_webhook_deliveries (subscription_id) WHERE status = 'pending' AND lease_until IS NOT NULL;
    CREATE INDEX IF NOT EXISTS threadline_webhook_deliveries_list ON threadline_webhook_deliveries (subscription_id, created_at DESC, id DESC);
    CREATE TABLE IF NOT EXISTS threadline_webhook_attempts (
      id bigserial PRIMARY KEY,
      delivery_id text NOT NULL,
      at timestamptz NOT NULL,
      status_code integer,
      error text,
      latency_ms integer NOT NULL,
      response_excerpt text
    );
    CREATE INDEX IF NOT EXISTS threadline_webhook_attempts_delivery ON threadline_webhook_attempts (delivery_id, id);
    CREATE TABLE IF NOT EXISTS threadline_webhook_dispatchers (id text PRIMARY KEY, seen_at timestamptz NOT NULL);
    CREATE TABLE IF NOT EXISTS threadline_webhook_relay_cursor (
      id integer PRIMARY KEY CHECK (id = 1),
      position bigint NOT NULL,
      idx integer NOT NULL
    );
  `.execute(db);
  // A first start relays from the outbox's newest envelope: a subscription made later is not sent the history
  // (replay is for that). Where the outbox is not there (a test registry without it), from the start.
  const { rows } = await sql<{ present: boolean }>`SELECT to_regclass('live_envelopes') IS NOT NULL AS present`.execute(db);
  const newest = rows[0]?.present
    ? sql`SELECT 1, position, idx FROM live_envelopes ORDER BY position DESC, idx DESC LIMIT 1`
    : sql`SELECT 1, -1::bigint, 0 WHERE false`;
  await sql`INSERT INTO threadline_webhook_relay_cursor (id, position, idx) ${newest} ON CONFLICT (id) DO NOTHING`.execute(db);
  await sql`INSERT INTO threadline_webhook_relay_cursor (id, position, idx) VALUES (1, -1, 0) ON CONFLICT (id) DO NOTHING`.execute(db);
};

/** The delivery tables' view of a database (or of a transaction on it). */
export const deliveryTables = (db: Kysely<unknown>): Kysely<WebhookDeliveryTables> => db as Kysely<WebhookDeliveryTables>;
