// The journey_paths read model: each journey's touches in event-time order with its conversion, for attribution.
import type { Insertable, Kysely } from 'kysely';
import { journeyTimeDecayShares, touchesBeforeConversion } from '../domain/journey-attribution.ts';
import { toJourneyPath } from './attribution-queries.ts';
import type { JourneyPathsTable, ReadModels } from './schema.ts';
import type { SummaryRow, TrackingEventRow } from './journey-summary-reducer.ts';

type PathRow = Insertable<JourneyPathsTable> & { channels: string[]; touch_times: Date[]; touch_event_ids: string[] };

/**
 * Inserts a touch after every touch at or before its time: touches stay sorted by event time, and ties keep log
 * order, so a live projection (in batches) and a replay (in one pass) build the same arrays.
 */
const insertTouch = (row: PathRow, channel: string, at: Date, eventId: string) => {
  if (row.touch_event_ids.includes(eventId)) return;
  let i = row.touch_times.length;
  while (i > 0 && row.touch_times[i - 1]!.getTime() > at.getTime()) i--;
  row.channels.splice(i, 0, channel);
  row.touch_times.splice(i, 0, at);
  row.touch_event_ids.splice(i, 0, eventId);
};

/**
 * Updates the paths of the journeys a batch touched, inside the caller's transaction. `summaries` are those
 * journeys' summaries after the batch (conversion time and value come from there); `trackingRows` the batch's
 * tracking events in log order; journeys `createdInBatch` have no path stored yet.
 */
export const projectJourneyPaths = async (
  trx: Kysely<ReadModels>,
  trackingRows: TrackingEventRow[],
  summaries: SummaryRow[],
  createdInBatch: ReadonlySet<string>,
): Promise<void> => {
  if (summaries.length === 0) return;
  const earlier = summaries.map((s) => s.guid).filter((g) => !createdInBatch.has(g));
  const existing = new Map<string, PathRow>();
  const previous = earlier.length === 0 ? [] : await trx.selectFrom('journey_paths').select(['guid', 'channels', 'touch_times', 'touch_event_ids']).where('guid', 'in', earlier).execute();
  for (const r of previous) existing.set(r.guid, r as PathRow);
  const rows = new Map<string, PathRow>();
  for (const s of summaries) {
    const previous = existing.get(s.guid);
    rows.set(s.guid, {
      guid: s.guid,
      kind: s.kind,
      created_at: s.created_at,
      channels: previous ? [...previous.channels] : [],
      touch_times: previous ? [...previous.touch_times] : [],
      touch_event_ids: previous ? [...previous.touch_event_ids] : [],
      converted: s.converted_at !== null,
      converted_at: s.converted_at,
      value: s.revenue_realized,
      path: [],
      time_decay_shares: null,
    });
  }
  for (const e of trackingRows) {
    const row = rows.get(e.guid);
    if (row && e.is_touch) insertTouch(row, e.channel, new Date(e.occurred_at), e.event_id);
  }
  for (const row of rows.values()) {
    const p = toJourneyPath(row);
    row.path = touchesBeforeConversion(p).channels;
    const shares = journeyTimeDecayShares(p);
    row.time_decay_shares = shares ? JSON.stringify(shares) : null;
  }
  const values = [...rows.values()];
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
