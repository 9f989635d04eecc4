// journey_paths rows: a journey's touches kept in event-time order, and the columns attribution derives from them.
import type { Kysely } from 'kysely';
import { boundedPath, journeyTimeDecayShares, touchesBeforeConversion, type JourneyPath } from '../../domain/attribution/journey-attribution.ts';
import { recordsetWriter } from '../runner/recordset-writer.ts';
import { JOURNEY_PATH_COLUMNS, parseTouches, type AttributionTables, type Touch } from './journey-paths-schema.ts';

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
  touches: Touch[];
  /** The event ids among `touches`, built once a batch touches the journey. */
  ids?: Set<string>;
}

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

/** A journey's path as the attribution maths reads it (times in epoch ms). */
export const toJourneyPath = (r: { guid: string; touches: readonly Touch[]; converted_at?: Date | string | null; value?: string | number | null }): JourneyPath => ({
  guid: r.guid,
  channels: r.touches.map((t) => t[1]),
  times: r.touches.map((t) => t[0]),
  convertedAt: r.converted_at ? new Date(r.converted_at).getTime() : null,
  value: r.value === null || r.value === undefined ? 0 : Number(r.value),
});

export const loadPaths = async (trx: Kysely<AttributionTables>, guids: string[]): Promise<Map<string, PathRow>> => {
  if (guids.length === 0) return new Map();
  const rows = await trx
    .selectFrom('journey_paths')
    .select(['guid', 'kind', 'created_at', 'current_state', 'moves', 'converted_seq', 'converted_at', 'value', 'revenue_key', 'parent_guid', 'touches'])
    .where('guid', 'in', guids)
    .execute();
  return new Map(rows.map((r) => [r.guid, { ...r, touches: parseTouches(r.touches) }]));
};

/** The row as written: the bounded path and the time-decay shares derived from the touches and the conversion. */
const written = (row: PathRow) => {
  const { ids: _ids, touches, ...rest } = row;
  const p = toJourneyPath(row);
  const shares = journeyTimeDecayShares(p);
  return {
    ...rest,
    converted: row.converted_at !== null,
    touches: JSON.stringify(touches),
    path: boundedPath(touchesBeforeConversion(p).channels),
    time_decay_shares: shares ? JSON.stringify(shares) : null,
  };
};

const writeRows = recordsetWriter<ReturnType<typeof written>>('journey_paths', JOURNEY_PATH_COLUMNS, { keys: ['guid'], update: true });

export const writePaths = async (trx: Kysely<AttributionTables>, values: PathRow[]): Promise<void> => writeRows(trx, values.map(written));
