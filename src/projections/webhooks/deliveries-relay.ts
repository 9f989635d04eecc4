// The fan-out: the live outbox's next envelopes turned into one delivery per matching endpoint, and the relay's
// cursor moved, in one transaction. A crash before the commit relays the same envelopes again; after it, none is
// relayed twice (and UNIQUE(subscription_id, envelope_id) would absorb a repeat anyway).
import { randomBytes } from 'node:crypto';
import { sql, type Insertable, type Kysely } from 'kysely';
import { subscriptionMatches, type EnvelopeFacts, type WebhookSubscription } from '../../domain/webhooks/index.ts';
import { compareCursors, latestCursor, readEnvelopes, type EnvelopeCursor, type StoredEnvelope } from '../live/index.ts';
import { deliveryTables, type WebhookDeliveriesTable } from './deliveries-schema.ts';
import { listSubscriptions } from './subscriptions.ts';

const CHUNK = 1000;

export const newDeliveryId = (): string => `dlv_${randomBytes(12).toString('hex')}`;

/** The facts a subscription filters on; an event.logged envelope's tracking event type read from its payload. */
export const envelopeFacts = (e: Pick<StoredEnvelope, 'type' | 'dealer_code' | 'kind' | 'payload'>): EnvelopeFacts => {
  if (e.type !== 'event.logged') return { type: e.type, dealer_code: e.dealer_code, kind: e.kind };
  const data = (JSON.parse(e.payload) as { data?: { event_type?: unknown } }).data;
  return { type: e.type, dealer_code: e.dealer_code, kind: e.kind, event_type: typeof data?.event_type === 'string' ? data.event_type : null };
};

export const deliveryRow = (sub: Pick<WebhookSubscription, 'id'>, e: StoredEnvelope, now: Date): Insertable<WebhookDeliveriesTable> => ({
  id: newDeliveryId(),
  subscription_id: sub.id,
  envelope_id: e.id,
  event_type: e.type,
  envelope_position: e.cursor.position,
  envelope_idx: e.cursor.idx,
  payload: e.payload,
  status: 'pending',
  attempts: 0,
  replays: 0,
  next_attempt_at: now,
  lease_until: null,
  leased_by: null,
  last_status: null,
  last_attempt_at: null,
  created_at: now,
  delivered_at: null,
});

export interface RelayResult {
  /** Envelopes passed (0: caught up). */
  envelopes: number;
  /** Deliveries queued. */
  queued: number;
}

/**
 * Relays the envelopes after the cursor (at most `limit`) to every subscription that is not disabled: a paused one
 * keeps its deliveries pending until it is resumed.
 */
export const relayEnvelopes = (db: Kysely<unknown>, now: Date, limit: number): Promise<RelayResult> =>
  db.transaction().execute(async (trx) => {
    const t = deliveryTables(trx);
    // The row lock makes relays in several processes take turns instead of reading the same envelopes.
    const cur = await t.selectFrom('threadline_webhook_relay_cursor').select(['position', 'idx']).where('id', '=', 1).forUpdate().executeTakeFirst();
    const after: EnvelopeCursor = cur ? { position: BigInt(cur.position), idx: cur.idx } : { position: -1n, idx: 0 };
    // The newest envelope is read before the subscriptions: a subscription made after that read gets every envelope
    // written after it was made (those are numbered higher).
    const newest = await latestCursor(trx);
    const subs = (await listSubscriptions(trx)).filter((s) => s.status !== 'disabled');
    const moveTo = (c: EnvelopeCursor) => sql`
      INSERT INTO threadline_webhook_relay_cursor (id, position, idx) VALUES (1, ${c.position.toString()}::bigint, ${c.idx})
      ON CONFLICT (id) DO UPDATE SET position = excluded.position, idx = excluded.idx
    `.execute(trx);
    // Nobody subscribed (the common case without webhooks): skip to the newest envelope without reading any payload.
    if (subs.length === 0) {
      if (compareCursors(newest, after) <= 0) return { envelopes: 0, queued: 0 };
      await moveTo(newest);
      return { envelopes: 0, queued: 0 };
    }
    const envelopes = await readEnvelopes(trx, after, limit);
    const last = envelopes.at(-1);
    if (!last) return { envelopes: 0, queued: 0 };
    const rows: Insertable<WebhookDeliveriesTable>[] = [];
    for (const e of envelopes) {
      const facts = envelopeFacts(e);
      for (const s of subs) if (subscriptionMatches(s, facts)) rows.push(deliveryRow(s, e, now));
    }
    for (let i = 0; i < rows.length; i += CHUNK) {
      await t.insertInto('threadline_webhook_deliveries').values(rows.slice(i, i + CHUNK)).onConflict((oc) => oc.columns(['subscription_id', 'envelope_id']).doNothing()).execute();
    }
    await moveTo(last.cursor);
    return { envelopes: envelopes.length, queued: rows.length };
  });

/** Where the relay has reached in the outbox (null: it never ran): the outbox's retention keeps what is past it. */
export const relayPosition = async (db: Kysely<unknown>): Promise<bigint | null> => {
  const { rows } = await sql<{ position: string }>`SELECT position::text AS position FROM threadline_webhook_relay_cursor WHERE id = 1`.execute(db);
  return rows[0] ? BigInt(rows[0].position) : null;
};
