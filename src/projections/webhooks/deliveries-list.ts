// What an operator reads about an endpoint's deliveries: newest first, each with every attempt made, and how many
// are in each status (the dead letters are the `failed` ones).
import type { Kysely } from 'kysely';
import { DELIVERY_STATUSES, type DeliveryStatus, type WebhookDeliveryTables } from './deliveries-schema.ts';

export interface AttemptView {
  at: string;
  status_code: number | null;
  error: string | null;
  latency_ms: number;
  response_excerpt: string | null;
}

export interface DeliveryView {
  id: string;
  webhook_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempt_count: number;
  replays: number;
  next_attempt_at: string | null;
  last_status: string | null;
  created_at: string;
  delivered_at: string | null;
  attempts: AttemptView[];
}

export interface DeliveryPage {
  deliveries: DeliveryView[];
  /** Pass as `cursor` for the next (older) page; null on the last. */
  next_cursor: string | null;
}

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

const pageCursor = (createdAt: string, id: string) => Buffer.from(`${createdAt}|${id}`).toString('base64url');

const readPageCursor = (text: string): { createdAt: Date; id: string } | null => {
  const [at, id] = Buffer.from(text, 'base64url').toString().split('|');
  const createdAt = new Date(at ?? '');
  return id && !Number.isNaN(createdAt.getTime()) ? { createdAt, id } : null;
};

/** Null when the cursor is not one this query made. */
export const listDeliveries = async (db: Kysely<unknown>, subscriptionId: string, o: { status?: DeliveryStatus; limit: number; cursor?: string }): Promise<DeliveryPage | null> => {
  const t = db as Kysely<WebhookDeliveryTables>;
  const after = o.cursor === undefined ? undefined : readPageCursor(o.cursor);
  if (after === null) return null;
  let q = t
    .selectFrom('threadline_webhook_deliveries')
    .select(['id', 'envelope_id', 'event_type', 'status', 'attempts', 'replays', 'next_attempt_at', 'last_status', 'created_at', 'delivered_at'])
    .where('subscription_id', '=', subscriptionId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(o.limit + 1);
  if (o.status) q = q.where('status', '=', o.status);
  if (after) q = q.where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]));
  const rows = await q.execute();
  const page = rows.slice(0, o.limit);
  const attempts = page.length === 0 ? [] : await t.selectFrom('threadline_webhook_attempts').selectAll().where('delivery_id', 'in', page.map((r) => r.id)).orderBy('id').execute();
  const byDelivery = new Map<string, AttemptView[]>();
  for (const a of attempts) {
    byDelivery.set(a.delivery_id, [...(byDelivery.get(a.delivery_id) ?? []), { at: iso(a.at)!, status_code: a.status_code, error: a.error, latency_ms: a.latency_ms, response_excerpt: a.response_excerpt }]);
  }
  const last = page.at(-1);
  return {
    deliveries: page.map((r) => ({
      id: r.id,
      webhook_id: r.envelope_id,
      event_type: r.event_type,
      status: r.status,
      attempt_count: r.attempts,
      replays: r.replays,
      next_attempt_at: r.status === 'pending' ? iso(r.next_attempt_at) : null,
      last_status: r.last_status,
      created_at: iso(r.created_at)!,
      delivered_at: iso(r.delivered_at),
      attempts: byDelivery.get(r.id) ?? [],
    })),
    next_cursor: rows.length > o.limit && last ? pageCursor(iso(last.created_at)!, last.id) : null,
  };
};

/** How many of an endpoint's deliveries are in each status. */
export const deliveryCounts = async (db: Kysely<unknown>, subscriptionId: string): Promise<Record<DeliveryStatus, number>> => {
  const rows = await (db as Kysely<WebhookDeliveryTables>)
    .selectFrom('threadline_webhook_deliveries')
    .select((eb) => ['status', eb.fn.countAll<string>().as('n')])
    .where('subscription_id', '=', subscriptionId)
    .groupBy('status')
    .execute();
  const counts = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
  for (const r of rows) counts[r.status] = Number(r.n);
  return counts;
};
