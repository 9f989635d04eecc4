// Replay: envelopes sent again to one endpoint with their original ids. The delivery row of an (endpoint, envelope)
// is reset to pending with a fresh schedule and its replay counter raised (its attempt history stays), or made when
// the endpoint never had it (an envelope from before it subscribed).
import { sql, type Kysely } from 'kysely';
import { subscriptionMatches, type WebhookSubscription } from '../../domain/webhooks/index.ts';
import { readEnvelopes, type LiveOutboxTables, type StoredEnvelope } from '../live/index.ts';
import { deliveryRow, envelopeFacts } from './deliveries-relay.ts';
import type { WebhookDeliveryTables } from './deliveries-schema.ts';

const CHUNK = 1000;

export type ReplaySelection = { messageId: string } | { since: Date; until: Date };

/** Queues the envelopes again; a delivery still pending is only made due now (its schedule and lease kept). */
const requeue = async (db: Kysely<unknown>, sub: WebhookSubscription, envelopes: readonly StoredEnvelope[], now: Date): Promise<number> => {
  const rows = envelopes.filter((e) => subscriptionMatches(sub, envelopeFacts(e))).map((e) => deliveryRow(sub, e, now));
  if (rows.length === 0) return 0;
  await (db as Kysely<WebhookDeliveryTables>)
    .insertInto('threadline_webhook_deliveries')
    .values(rows)
    .onConflict((oc) =>
      oc.columns(['subscription_id', 'envelope_id']).doUpdateSet({
        attempts: sql`CASE WHEN threadline_webhook_deliveries.status = 'pending' THEN threadline_webhook_deliveries.attempts ELSE 0 END`,
        lease_until: sql`CASE WHEN threadline_webhook_deliveries.status = 'pending' THEN threadline_webhook_deliveries.lease_until END`,
        leased_by: sql`CASE WHEN threadline_webhook_deliveries.status = 'pending' THEN threadline_webhook_deliveries.leased_by END`,
        status: 'pending',
        replays: sql`threadline_webhook_deliveries.replays + 1`,
        next_attempt_at: now,
        delivered_at: null,
      }),
    )
    .execute();
  return rows.length;
};

/**
 * Replays one message (null when the outbox has no such envelope, or the endpoint does not subscribe to it) or
 * every envelope of the endpoint's events whose event time is in [since, until); answers how many were queued.
 */
export const replayDeliveries = async (db: Kysely<unknown>, sub: WebhookSubscription, what: ReplaySelection, now: Date): Promise<number | null> => {
  if ('messageId' in what) {
    const row = await (db as Kysely<LiveOutboxTables>).selectFrom('live_envelopes').selectAll().where('id', '=', what.messageId).executeTakeFirst();
    if (!row) return null;
    const e: StoredEnvelope = { ...row, cursor: { position: BigInt(row.position), idx: row.idx }, type: row.type as StoredEnvelope['type'], occurred_at: new Date(row.occurred_at) };
    const queued = await requeue(db, sub, [e], now);
    return queued === 0 ? null : queued;
  }
  const types = sub.events.includes('*') ? undefined : sub.events;
  const dealers = sub.filter.dealer_code === undefined ? undefined : [sub.filter.dealer_code];
  let queued = 0;
  let after = { position: -1n, idx: 0 };
  for (;;) {
    const page = await readEnvelopes(db, after, CHUNK, { types, dealers, kind: sub.filter.kind, from: what.since, until: what.until });
    queued += await requeue(db, sub, page, now);
    const last = page.at(-1);
    if (!last || page.length < CHUNK) return queued;
    after = last.cursor;
  }
};
