// The heatmap: day of week x hour in a time zone. Demand and staffing are kept per 15-minute UTC bucket, summed per
// bucket first and only then turned into local time, which is exact in every zone (every real offset is a whole
// number of quarter hours) and costs one conversion per bucket (docs/conversations.md, "Heatmap").
import { sql, type Kysely } from 'kysely';
import { analyticRead, type Window } from '../runner/read-model-db.ts';
import { bucketOf } from './conversation-rows.ts';
import type { ConversationsTables } from './conversations-schema.ts';
import { arrayStats, filterSql, gather, statsOf, type ReportFilter } from './report-filter.ts';

type Db = Kysely<ConversationsTables>;
export type HeatmapMetric = 'demand' | 'staffing' | 'wait';

/** ISO day of week (1 = Monday) and hour, local. */
interface Cell {
  day: number;
  hour: number;
}
export type DemandCell = Cell & { conversations_started: number; messages_in: number };
export type StaffingCell = Cell & { hours: number; agent_hours: number; agents_mean: number; agents_peak: number };
export type WaitCell = Cell & { waits: number; median_wait_seconds: number | null };

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Every cell, Monday 00:00 first, with `fill` where no row says otherwise. */
const dense = <T extends Cell>(rows: readonly T[], fill: (c: Cell) => T): T[] => {
  const byCell = new Map(rows.map((r) => [`${r.day}|${r.hour}`, r]));
  const out: T[] = [];
  for (let day = 1; day <= 7; day++) for (let hour = 0; hour < 24; hour++) out.push(byCell.get(`${day}|${hour}`) ?? fill({ day, hour }));
  return out;
};

/** Buckets that start in [start rounded down to a quarter hour, end). */
const bucketWindow = (w: Window) => ({ from: new Date(bucketOf(w.start.getTime())), to: w.end });

export const loadHeatmap = async (db: Db, w: Window, tz: string, metric: HeatmapMetric, f: ReportFilter): Promise<DemandCell[] | StaffingCell[] | WaitCell[]> => {
  const b = bucketWindow(w);
  if (metric === 'demand') {
    const rows = await analyticRead(db, async (trx) => (await sql<DemandCell>`
      SELECT date_part('isodow', l)::int AS day, date_part('hour', l)::int AS hour, sum(started)::int AS conversations_started, sum(messages_in)::int AS messages_in
        FROM (SELECT bucket AT TIME ZONE ${tz} AS l, sum(started) AS started, sum(messages_in) AS messages_in
                FROM conversation_demand WHERE bucket >= ${b.from} AND bucket < ${b.to} AND ${filterSql(f, { any: 'teams' })} GROUP BY bucket) q
       GROUP BY 1, 2`.execute(trx)).rows);
    return dense(rows, (c) => ({ ...c, conversations_started: 0, messages_in: 0 }));
  }
  if (metric === 'staffing') {
    // Distinct agents per local hour (each hour of the window in the zone), then per cell: their mean over the cell's
    // hours in the window (hours without anyone count as 0), the peak, and the sum (agent-hours).
    const [busy, hours] = await Promise.all([
      analyticRead(db, async (trx) => (await sql<{ day: number; hour: number; agent_hours: number; agents_peak: number }>`
        SELECT date_part('isodow', lh)::int AS day, date_part('hour', lh)::int AS hour, sum(agents)::int AS agent_hours, max(agents)::int AS agents_peak
          FROM (SELECT lh, count(*) AS agents
                  FROM (SELECT DISTINCT date_trunc('hour', bucket AT TIME ZONE ${tz}) AS lh, agent
                          FROM (SELECT DISTINCT bucket, agent FROM conversation_staffing WHERE bucket >= ${b.from} AND bucket < ${b.to} AND ${filterSql(f, { column: 'team' })}) ba) la
                 GROUP BY 1) q
         GROUP BY 1, 2`.execute(trx)).rows),
      analyticRead(db, async (trx) => (await sql<{ day: number; hour: number; hours: number }>`
        SELECT date_part('isodow', lh)::int AS day, date_part('hour', lh)::int AS hour, count(*)::int AS hours
          FROM (SELECT DISTINCT date_trunc('hour', q AT TIME ZONE ${tz}) AS lh
                  FROM generate_series(${b.from}::timestamptz, ${b.to}::timestamptz - interval '1 microsecond', interval '15 minutes') AS q) h
         GROUP BY 1, 2`.execute(trx)).rows),
    ]);
    const busyOf = new Map(busy.map((r) => [`${r.day}|${r.hour}`, r]));
    const rows = hours.map((h): StaffingCell => {
      const x = busyOf.get(`${h.day}|${h.hour}`);
      return { day: h.day, hour: h.hour, hours: h.hours, agent_hours: x?.agent_hours ?? 0, agents_mean: round((x?.agent_hours ?? 0) / h.hours), agents_peak: x?.agents_peak ?? 0 };
    });
    return dense(rows, (c) => ({ ...c, hours: 0, agent_hours: 0, agents_mean: 0, agents_peak: 0 }));
  }
  // Waits by the local hour they began, counting the ones that have ended.
  const rows = await analyticRead(db, async (trx) => (await sql<Cell & { waits: number; wait_count: number; wait_pcts: number[] | null }>`
    SELECT day, hour, waits, ${arrayStats(sql`q.wait_xs`, 'wait')}
      FROM (SELECT date_part('isodow', l)::int AS day, date_part('hour', l)::int AS hour, count(*)::int AS waits, ${gather('ms')} AS wait_xs
              FROM (SELECT entered_at AT TIME ZONE ${tz} AS l, ms FROM conversation_waits
                     WHERE entered_at >= ${w.start} AND entered_at < ${w.end} AND left_at IS NOT NULL AND ${filterSql(f, { column: 'team' })}) s
             GROUP BY 1, 2) q`.execute(trx)).rows);
  return dense(rows.map((r): WaitCell => ({ day: r.day, hour: r.hour, waits: r.waits, median_wait_seconds: statsOf({ ...r }, 'wait').median_seconds })), (c) => ({ ...c, waits: 0, median_wait_seconds: null }));
};
