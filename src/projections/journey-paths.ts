// The journey_paths read model: each journey's touches in event-time order with its conversion, for attribution.
import type { Kysely } from 'kysely';
import { boundedPath, journeyTimeDecayShares, touchesBeforeConversion } from '../domain/journey-attribution.ts';
import { toJourneyPath } from './attribution-queries.ts';
import { parseTouches, type ReadModels, type Touch } from './schema.ts';
import type { SummaryRow } from './journey-summary-reducer.ts';

export interface PathRow {
  guid: string;
  kind: string;
  created_at: Date;
  touches: Touch[];
  converted: boolean;
  converted_at: Date | null;
  value: string | null;
  path: string[];
  time_decay_shares: string | null;
  /** The event ids among `touches`, built once a batch touches the journey. */
  ids?: Set<string>;
}

export const emptyPath = (s: Pick<SummaryRow, 'guid' | 'kind' | 'created_at'>): PathRow => ({
  guid: s.guid,
  kind: s.kind,
  created_at: s.created_at,
  touches: [],
  converted: false,
  converted_at: null,
  value: null,
  path: [],
  time_decay_shares: null,
});

/** Touches in (event time, event id) order: the same touches give the same array whatever order they arrive in. */
const before = (a: Touch, b: Touch) => a[0] < b[0] || (a[0] === b[0] && a[2] < b[2]);

/** Inserts a touch in place, in order (an event id already there is not added twice); an in-order touch is appended. */
export const insertTouch = (row: PathRow, channel: string, at: Date, eventId: string): void => {
  row.ids ??= new Set(row.touches.map((t) => t[2]));
  if (row.ids.has(eventId)) return;
  row.ids.add(eventId);
  const touch: Touch = [at.getTime(), channel, eventId];
  let i = row.touches.length;
  while (i > 0 && before(touch, row.touches[i - 1]!)) i--;
  row.touches.splice(i, 0, touch);
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
  const rows = await trx.selectFrom('journey_paths').select(['guid', 'kind', 'created_at', 'touches']).where('guid', 'in', guids).execute();
  return new Map(rows.map((r) => [r.guid, { ...emptyPath(r), touches: parseTouches(r.touches) }]));
};

export const writePaths = async (trx: Kysely<ReadModels>, values: PathRow[]): Promise<void> => {
  const rows = values.map(({ ids: _ids, touches, ...r }) => ({ ...r, touches: JSON.stringify(touches) }));
  for (let i = 0; i < rows.length; i += 1000) {
    await trx
      .insertInto('journey_paths')
      .values(rows.slice(i, i + 1000))
      .onConflict((oc) =>
        oc.column('guid').doUpdateSet((eb) => ({
          kind: eb.ref('excluded.kind'),
          created_at: eb.ref('excluded.created_at'),
          touches: eb.ref('excluded.touches'),
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
