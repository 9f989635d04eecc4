// journey_paths and journey_touches rows: a journey's touches one row each, the ends of its path, and the columns
// attribution derives from them (the bounded path, a converted journey's time-decay shares).
import { sql, type Kysely } from 'kysely';
import { boundedPath, journeyTimeDecayShares, openPath, sortTouches, withTouch, type JourneyPath, type PathEnds } from '../../domain/attribution/index.ts';
import { parseTouches, type AttributionTables, type Touch } from './journey-paths-schema.ts';

const CHUNK = 1000;

export interface PathRow {
  guid: string;
  kind: string;
  created_at: Date;
  current_state: string;
  moves: number;
  converted_seq: number | null;
  converted_at: Date | null;
  value: string | null;
  revenue_key: string | null;
  parent_guid: string | null;
  ends: PathEnds;
  path: string[];
  /** As stored (jsonb text), kept while neither the conversion nor its touches change. */
  time_decay_shares: string | null;
  /** The conversion time as stored before this batch (undefined: a journey new in this batch). */
  stored_converted_at?: number | null;
  /** Touches this batch brings, by event id; journey_touches says which of them are new. */
  pending?: Map<string, Touch>;
}

/** Notes a touch of the batch (one the journey already has is found out when it is written, and counts once). */
export const addTouch = (row: PathRow, channel: string, at: Date, eventId: string): void => {
  row.pending ??= new Map();
  if (!row.pending.has(eventId)) row.pending.set(eventId, [at.getTime(), channel, eventId]);
};

/** A journey's path as the attribution maths reads it (times in epoch ms). */
export const toJourneyPath = (r: { guid: string; touches: readonly Touch[]; converted_at?: Date | string | null; value?: string | number | null }): JourneyPath => ({
  guid: r.guid,
  channels: r.touches.map((t) => t[1]),
  times: r.touches.map((t) => t[0]),
  convertedAt: r.converted_at ? new Date(r.converted_at).getTime() : null,
  value: r.value === null || r.value === undefined ? 0 : Number(r.value),
});

/** Each journey's touches at or before the time given (epoch ms), in touch order: one statement for all of them. */
export const touchesUpTo = async (trx: Kysely<AttributionTables>, upTo: { guid: string; at: number }[]): Promise<Map<string, Touch[]>> => {
  if (upTo.length === 0) return new Map();
  const { rows } = await sql<{ guid: string; touches: string }>`
    SELECT t.guid, json_agg(json_build_array(t.at, t.channel, t.event_id))::text AS touches
      FROM journey_touches t JOIN unnest(${upTo.map((u) => u.guid)}::text[], ${upTo.map((u) => String(u.at))}::bigint[]) AS u(guid, at) ON t.guid = u.guid
     WHERE t.at <= u.at
     GROUP BY t.guid`.execute(trx);
  // Sorted here, not by the database, whose text order depends on its collation.
  return new Map(rows.map((r) => [r.guid, sortTouches(parseTouches(r.touches))]));
};

export const loadPaths = async (trx: Kysely<AttributionTables>, guids: string[]): Promise<Map<string, PathRow>> => {
  if (guids.length === 0) return new Map();
  const rows = await trx
    .selectFrom('journey_paths')
    .select(['guid', 'kind', 'created_at', 'current_state', 'moves', 'converted_seq', 'converted_at', 'value', 'revenue_key', 'parent_guid', 'touch_count', 'head', 'tail', 'path'])
    .select(sql<string | null>`time_decay_shares::text`.as('time_decay_shares'))
    .where('guid', 'in', guids)
    .execute();
  return new Map(
    rows.map(({ touch_count, head, tail, ...r }) => [
      r.guid,
      { ...r, ends: { head: parseTouches(head), tail: parseTouches(tail), count: touch_count }, stored_converted_at: r.converted_at?.getTime() ?? null },
    ]),
  );
};

/** Stores the batch's new touches and folds them into their journeys' ends; returns the new ones per journey. */
const storeTouches = async (trx: Kysely<AttributionTables>, values: PathRow[]): Promise<Map<string, Touch[]>> => {
  const candidates = values.flatMap((r) => [...(r.pending?.values() ?? [])].map(([at, channel, event_id]) => ({ guid: r.guid, event_id, at, channel })));
  const byGuid = new Map(values.map((r) => [r.guid, r]));
  const added = new Map<string, Touch[]>();
  for (let i = 0; i < candidates.length; i += CHUNK) {
    const stored = await trx.insertInto('journey_touches').values(candidates.slice(i, i + CHUNK)).onConflict((oc) => oc.columns(['guid', 'event_id']).doNothing()).returning(['guid', 'event_id']).execute();
    for (const { guid, event_id } of stored) (added.get(guid) ?? added.set(guid, []).get(guid)!).push(byGuid.get(guid)!.pending!.get(event_id)!);
  }
  return added;
};

/**
 * Writes the journeys a batch touched. An open journey's path comes from its ends; a converted one's path and shares
 * from its touches up to the conversion, read again only when the conversion moved or a touch before it arrived.
 */
export const writePaths = async (trx: Kysely<AttributionTables>, values: PathRow[]): Promise<void> => {
  const added = await storeTouches(trx, values.filter((r) => r.pending));
  const reread: PathRow[] = [];
  for (const r of values) {
    const fresh = added.get(r.guid) ?? [];
    for (const t of sortTouches(fresh)) r.ends = withTouch(r.ends, t);
    const converted = r.converted_at?.getTime() ?? null;
    if (converted === null) {
      r.path = openPath(r.ends);
      r.time_decay_shares = null;
    } else if (r.stored_converted_at !== converted || fresh.some((t) => t[0] <= converted)) reread.push(r);
    delete r.pending;
  }
  const upTo = await touchesUpTo(trx, reread.map((r) => ({ guid: r.guid, at: r.converted_at!.getTime() })));
  for (const r of reread) {
    const p = toJourneyPath({ ...r, touches: upTo.get(r.guid) ?? [] });
    r.path = boundedPath(p.channels);
    const shares = journeyTimeDecayShares(p);
    r.time_decay_shares = shares ? JSON.stringify(shares) : null;
  }
  const rows = values.map(({ ends, stored_converted_at: _s, pending: _p, ...rest }) => ({
    ...rest,
    converted: rest.converted_at !== null,
    touch_count: ends.count,
    head: JSON.stringify(ends.head),
    tail: JSON.stringify(ends.tail),
  }));
  for (let i = 0; i < rows.length; i += CHUNK) {
    const slice = rows.slice(i, i + CHUNK);
    await trx
      .insertInto('journey_paths')
      .values(slice)
      .onConflict((oc) =>
        oc.column('guid').doUpdateSet((eb) => {
          const cols = Object.keys(slice[0]!).filter((c) => c !== 'guid') as (keyof (typeof rows)[number])[];
          return Object.fromEntries(cols.map((c) => [c, eb.ref(`excluded.${c}`)]));
        }),
      )
      .execute();
  }
};
