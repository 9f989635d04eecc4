// The journey_paths read model: each journey's touches in event-time order with its conversion, for attribution.
import type { Insertable, Kysely } from 'kysely';
import { boundedPath, journeyTimeDecayShares, touchesBeforeConversion } from '../domain/journey-attribution.ts';
import { toJourneyPath } from './attribution-queries.ts';
import type { JourneyPathsTable, ReadModels } from './schema.ts';
import type { SummaryRow } from './journey-summary-reducer.ts';

export type PathRow = Insertable<JourneyPathsTable> & { channels: string[]; touch_times: Date[]; touch_event_ids: string[] };

export const emptyPath = (s: Pick<SummaryRow, 'guid' | 'kind' | 'created_at'>): PathRow => ({
  guid: s.guid,
  kind: s.kind,
  created_at: s.created_at,
  channels: [],
  touch_times: [],
  touch_event_ids: [],
  converted: false,
  converted_at: null,
  value: null,
  path: [],
  time_decay_shares: null,
});

/** Touches in (event time, event id) order: the same touches give the same arrays whatever order they arrive in. */
const before = (t1: number, id1: string, t2: number, id2: string) => t1 < t2 || (t1 === t2 && id1 < id2);

/** Inserts a touch in place (in order; an event id already there is not added twice). */
export const insertTouch = (row: PathRow, channel: string, at: Date, eventId: string): void => {
  if (row.touch_event_ids.includes(eventId)) return;
  let i = row.touch_times.length;
  while (i > 0 && before(at.getTime(), eventId, row.touch_times[i - 1]!.getTime(), row.touch_event_ids[i - 1]!)) i--;
  row.channels.splice(i, 0, channel);
  row.touch_times.splice(i, 0, at);
  row.touch_event_ids.splice(i, 0, eventId);
};

/** The conversion-derived columns, from the journey's summary after the batch. */
export const finishPath = (row: PathRow, s: SummaryRow): PathRow => {
  const next: PathRow = { ...row, created_at: s.created_at, converted: s.converted_at !== null, converted_at: s.converted_at, value: s.revenue_realized };
  const p = toJourneyPath(next);
  next.path = boundedPath(touchesBeforeConversion(p).channels);
  const shares = journeyTimeDecayShares(p);
  next.time_decay_shares = shares ? JSON.stringify(shares) : null;
  return next;
};

export const loadPaths = async (trx: Kysely<ReadModels>, guids: string[]): Promise<Map<string, PathRow>> => {
  if (guids.length === 0) return new Map();
  const rows = await trx.selectFrom('journey_paths').select(['guid', 'kind', 'created_at', 'channels', 'touch_times', 'touch_event_ids']).where('guid', 'in', guids).execute();
  return new Map(rows.map((r) => [r.guid, { ...emptyPath(r), channels: r.channels, touch_times: r.touch_times, touch_event_ids: r.touch_event_ids }]));
};

export const writePaths = async (trx: Kysely<ReadModels>, values: PathRow[]): Promise<void> => {
  for (let i = 0; i < values.length; i += 1000) {
    await trx
      .insertInto('journey_paths')
      .values(values.slice(i, i + 1000))
      .onConflict((oc) =>
        oc.column('guid').doUpdateSet((eb) => ({
          kind: eb.ref('excluded.kind'),
          created_at: eb.ref('excluded.created_at'),
          channels: eb.ref('excluded.channels'),
          touch_times: eb.ref('excluded.touch_times'),
          touch_event_ids: eb.ref('excluded.touch_event_ids'),
          converted: eb.ref('excluded.converted'),
          converted_at: eb.ref('excluded.converted_at'),
          value: eb.ref('excluded.value'),
          path: eb.ref('excluded.path'),
          time_decay_shares: eb.ref('excluded.time_decay_shares'),
        })),
      )
      .execute();
  }
};
