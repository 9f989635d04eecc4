// Reading the live outbox after a position: what each consumer (webhook dispatcher, SSE stream, NATS publisher)
// does from its own cursor. A cursor is the pair (position, idx) of the last envelope it handled.
import { sql, type Kysely } from 'kysely';
import type { LiveEventName } from '../../domain/live/index.ts';
import type { LiveOutboxTables } from './live-outbox-schema.ts';

export interface EnvelopeCursor {
  position: bigint;
  idx: number;
}

export const START_CURSOR: EnvelopeCursor = { position: -1n, idx: 0 };

/** Negative when `a` comes before `b` in the outbox. */
export const compareCursors = (a: EnvelopeCursor, b: EnvelopeCursor): number => (a.position < b.position ? -1 : a.position > b.position ? 1 : a.idx - b.idx);

export interface StoredEnvelope {
  cursor: EnvelopeCursor;
  id: string;
  type: LiveEventName;
  guid: string;
  dealer_code: string | null;
  kind: string;
  occurred_at: Date;
  /** The envelope's JSON text, as it is sent. */
  payload: string;
}

export interface EnvelopeFilter {
  types?: readonly string[];
  guid?: string;
  /** Only these dealers' journeys ('all' or undefined: any). */
  dealers?: readonly string[] | 'all';
  kind?: string;
  /** Only envelopes of events at or after / before these times (event time: replays of a time range). */
  from?: Date;
  until?: Date;
}

/** Envelopes after `after`, in log order, at most `limit`. */
export const readEnvelopes = async (db: Kysely<unknown>, after: EnvelopeCursor, limit: number, filter: EnvelopeFilter = {}): Promise<StoredEnvelope[]> => {
  let q = (db as Kysely<LiveOutboxTables>)
    .selectFrom('live_envelopes')
    .select(['position', 'idx', 'id', 'type', 'guid', 'dealer_code', 'kind', 'occurred_at', 'payload'])
    .where(sql<boolean>`(position, idx) > (${after.position.toString()}::bigint, ${after.idx}::int)`)
    .orderBy('position')
    .orderBy('idx')
    .limit(limit);
  if (filter.types && filter.types.length > 0) q = q.where('type', 'in', [...filter.types]);
  if (filter.guid) q = q.where('guid', '=', filter.guid);
  if (filter.kind) q = q.where('kind', '=', filter.kind);
  if (filter.dealers && filter.dealers !== 'all') q = q.where('dealer_code', 'in', filter.dealers.length > 0 ? [...filter.dealers] : ['']);
  if (filter.from) q = q.where('occurred_at', '>=', filter.from);
  if (filter.until) q = q.where('occurred_at', '<', filter.until);
  const rows = await q.execute();
  return rows.map((r) => ({
    cursor: { position: BigInt(r.position as unknown as bigint | string | number), idx: r.idx },
    id: r.id,
    type: r.type as LiveEventName,
    guid: r.guid,
    dealer_code: r.dealer_code,
    kind: r.kind,
    occurred_at: r.occurred_at as Date,
    payload: r.payload,
  }));
};

/** The cursor of the newest envelope (a consumer that starts "from now"), or START_CURSOR. */
export const latestCursor = async (db: Kysely<unknown>): Promise<EnvelopeCursor> => {
  const row = await (db as Kysely<LiveOutboxTables>).selectFrom('live_envelopes').select(['position', 'idx']).orderBy('position', 'desc').orderBy('idx', 'desc').limit(1).executeTakeFirst();
  return row ? { position: BigInt(row.position as unknown as bigint | string | number), idx: row.idx } : START_CURSOR;
};

/** `<position>-<idx>`: the SSE event id and the text form of a cursor. */
export const cursorText = (c: EnvelopeCursor): string => `${c.position}-${c.idx}`;

export const parseCursor = (text: string): EnvelopeCursor | null => {
  const m = /^(-?\d{1,19})-(\d{1,6})$/.exec(text.trim());
  return m ? { position: BigInt(m[1]!), idx: Number(m[2]) } : null;
};

/**
 * Deletes envelopes stored before `before` (the outbox's retention), but none a durable consumer has not passed yet
 * (`floor`: the lowest cursor position of the webhook relay and the publishers; null: no such consumer), at most
 * `limit` at a time; returns how many. An SSE client further behind than the retention resumes at the oldest kept.
 */
export const pruneEnvelopes = async (db: Kysely<unknown>, before: Date, floor: bigint | null, limit = 10_000): Promise<number> => {
  const { rows } = await sql<{ n: number }>`
    WITH gone AS (
      DELETE FROM live_envelopes WHERE (position, idx) IN (
        SELECT position, idx FROM live_envelopes
         WHERE recorded_at < ${before} AND (${floor === null}::boolean OR position <= ${(floor ?? 0n).toString()}::bigint)
         ORDER BY position LIMIT ${limit}
      ) RETURNING 1
    ) SELECT count(*)::int AS n FROM gone`.execute(db);
  return rows[0]?.n ?? 0;
};
