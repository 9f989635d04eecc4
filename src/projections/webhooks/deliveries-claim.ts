// The dispatcher's side of the delivery rows: take the due ones (a lease, so several processes never send the same
// row at once and a dead holder's rows come back), then record each attempt and its verdict.
import { sql, type Kysely } from 'kysely';
import { deliveryTables, type DeliveryStatus, type WebhookDeliveryTables } from './deliveries-schema.ts';
import { markDisabled } from './subscriptions.ts';

export interface ClaimedDelivery {
  id: string;
  subscription_id: string;
  envelope_id: string;
  payload: string;
  /** Attempts made before this one. */
  attempts: number;
}

export interface ClaimOptions {
  now: Date;
  /** The dispatcher claiming (its heartbeat says it is alive). */
  dispatcherId: string;
  /** How long the claim holds at most: longer than an attempt can take. */
  leaseUntil: Date;
  /** A dispatcher whose heartbeat is older than this is dead: its leases are taken back at once. */
  heartbeatSince: Date;
  /** At most this many deliveries of one endpoint in flight, across every process. */
  perEndpoint: number;
  limit: number;
}

/** A dispatcher says it is alive (and forgets the ones gone for a day). */
export const beat = async (db: Kysely<unknown>, dispatcherId: string, now: Date): Promise<void> => {
  await sql`
    INSERT INTO threadline_webhook_dispatchers (id, seen_at) VALUES (${dispatcherId}, ${now})
    ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at
  `.execute(db);
};

/** A dispatcher that stopped cleanly (with nothing in flight) says so. */
export const forgetDispatcher = async (db: Kysely<unknown>, dispatcherId: string, before: Date): Promise<void> => {
  await deliveryTables(db).deleteFrom('threadline_webhook_dispatchers').where((eb) => eb.or([eb('id', '=', dispatcherId), eb('seen_at', '<', before)])).execute();
};

/**
 * Leases the due deliveries of active endpoints, oldest due first, each endpoint up to its free slots. A lease
 * counts while it has not expired and its holder still beats: a killed process's deliveries are taken back within
 * seconds, not at the end of their lease. Claims take turns (an advisory lock) so two processes cannot both see an
 * endpoint's slots free; rows another transaction is recording are skipped, not waited for (SKIP LOCKED; PGlite is
 * one session, where it is simply never contended).
 */
export const claimDueDeliveries = (db: Kysely<unknown>, o: ClaimOptions): Promise<ClaimedDelivery[]> =>
  db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('threadline:webhook-claim'))`.execute(trx);
    const { rows } = await sql<ClaimedDelivery>`
      WITH live AS (
        SELECT id FROM threadline_webhook_dispatchers WHERE seen_at >= ${o.heartbeatSince}
      ), slots AS (
        SELECT s.id, ${o.perEndpoint}::int - (
          SELECT count(*) FROM threadline_webhook_deliveries f
          WHERE f.subscription_id = s.id AND f.status = 'pending' AND f.lease_until IS NOT NULL AND f.lease_until > ${o.now}
            AND f.leased_by IN (SELECT id FROM live)
        )::int AS free
        FROM threadline_webhook_subscriptions s WHERE s.status = 'active'
      ), picked AS (
        SELECT x.id FROM slots CROSS JOIN LATERAL (
          SELECT d.id FROM threadline_webhook_deliveries d
          WHERE d.subscription_id = slots.id AND d.status = 'pending' AND d.next_attempt_at <= ${o.now}
            AND (d.lease_until IS NULL OR d.lease_until <= ${o.now} OR d.leased_by IS NULL OR d.leased_by NOT IN (SELECT id FROM live))
          ORDER BY d.next_attempt_at, d.envelope_position, d.envelope_idx
          LIMIT GREATEST(slots.free, 0)
          FOR UPDATE OF d SKIP LOCKED
        ) x
        LIMIT ${o.limit}
      )
      UPDATE threadline_webhook_deliveries d SET lease_until = ${o.leaseUntil}, leased_by = ${o.dispatcherId} FROM picked WHERE d.id = picked.id
      RETURNING d.id, d.subscription_id, d.envelope_id, d.payload, d.attempts
    `.execute(trx);
    return rows;
  });

export interface AttemptRecord {
  at: Date;
  statusCode: number | null;
  error: string | null;
  latencyMs: number;
  excerpt: string | null;
  /** The short form kept on the delivery: the status code or the error. */
  lastStatus: string;
}

export type DeliveryNext = { status: 'delivered' } | { status: 'pending'; nextAttemptAt: Date } | { status: Extract<DeliveryStatus, 'failed'> };

/** Writes the attempt to the history and the verdict on the delivery (only while still pending: a cancel wins). */
export const recordAttempt = (db: Kysely<unknown>, deliveryId: string, a: AttemptRecord, next: DeliveryNext): Promise<void> =>
  db.transaction().execute(async (trx) => {
    const t = deliveryTables(trx);
    await t.insertInto('threadline_webhook_attempts').values({ delivery_id: deliveryId, at: a.at, status_code: a.statusCode, error: a.error, latency_ms: Math.round(a.latencyMs), response_excerpt: a.excerpt }).execute();
    await t
      .updateTable('threadline_webhook_deliveries')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        last_status: a.lastStatus,
        last_attempt_at: a.at,
        lease_until: null,
        leased_by: null,
        status: next.status,
        ...(next.status === 'pending' ? { next_attempt_at: next.nextAttemptAt } : {}),
        ...(next.status === 'delivered' ? { delivered_at: a.at } : {}),
      }))
      .where('id', '=', deliveryId)
      .where('status', '=', 'pending')
      .execute();
  });

/** Gives a claimed delivery back untried (its endpoint was paused or disabled meanwhile, or the process stops). */
export const releaseDelivery = async (db: Kysely<unknown>, deliveryId: string): Promise<void> => {
  await (db as Kysely<WebhookDeliveryTables>).updateTable('threadline_webhook_deliveries').set({ lease_until: null, leased_by: null }).where('id', '=', deliveryId).execute();
};

/** Disables an endpoint and cancels what it still had pending (a replay after re-enabling sends them again). */
export const disableEndpoint = (db: Kysely<unknown>, subscriptionId: string, reason: string, at: Date): Promise<number> =>
  db.transaction().execute(async (trx) => {
    await markDisabled(trx, subscriptionId, reason, at);
    const res = await deliveryTables(trx)
      .updateTable('threadline_webhook_deliveries')
      .set({ status: 'cancelled', lease_until: null, leased_by: null })
      .where('subscription_id', '=', subscriptionId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  });
