// The queues report: PENDING_AGENT waits per team (how long, how they ended) and the queue's length over time
// (docs/conversations.md, "Queues").
import { sql, type Kysely } from 'kysely';
import { analyticRead, type Window } from '../runner/read-model-db.ts';
import type { ConversationsTables } from './conversations-schema.ts';
import { arrayStats, filterSql, gather, statsOf, type DurationStats, type ReportFilter } from './report-filter.ts';

type Db = Kysely<ConversationsTables>;

export interface QueueTeam {
  team: string | null;
  waits: number;
  wait: DurationStats;
  assigned: number;
  /** Ended without an agent: expired, closed or resolved while waiting. */
  abandoned: number;
  abandoned_by: { expired: number; closed: number; resolved: number };
  /** Sent on to another team's queue while waiting. */
  rerouted: number;
}

export interface QueuePoint {
  at: string;
  /** In the queue at `at`. */
  waiting: number;
  /** Joined, and left, the queue in [at, at + interval). */
  joined: number;
  left: number;
}

export interface QueueReport {
  overall: Omit<QueueTeam, 'team'>;
  by_team: QueueTeam[];
  queue_length: QueuePoint[];
}

export const loadQueueReport = async (db: Db, w: Window, f: ReportFilter, stepMs: number): Promise<QueueReport> => {
  const where = filterSql(f, { column: 'team' });
  const step = stepMs / 1000;
  const [waits, deltas] = await Promise.all([
    analyticRead(db, async (trx) => (await sql<Record<string, unknown> & { team: string | null; whole: number }>`
      SELECT team, whole, waits, assigned, expired, closed, resolved, rerouted, ${arrayStats(sql`q.wait_xs`, 'wait')}
        FROM (SELECT team, GROUPING(team) AS whole, count(*)::int AS waits, ${gather('ms')} AS wait_xs,
                     count(*) FILTER (WHERE next_state = 'HUMAN_ASSISTANCE')::int AS assigned,
                     count(*) FILTER (WHERE next_state = 'EXPIRED')::int AS expired,
                     count(*) FILTER (WHERE next_state = 'CLOSED')::int AS closed,
                     count(*) FILTER (WHERE next_state = 'RESOLVED')::int AS resolved,
                     count(*) FILTER (WHERE next_state = 'PENDING_AGENT')::int AS rerouted
                FROM conversation_waits
               WHERE left_at >= ${w.start} AND left_at < ${w.end} AND ${where}
               GROUP BY GROUPING SETS ((team), ())) q`.execute(trx)).rows),
    // Each wait overlapping the window, as its entry and its exit in steps from the start (x): counted by the whole
    // step they fall in and whether they fall on a point exactly. One pass, two rows per wait; date_part, not extract,
    // which answers numeric (several times slower here).
    analyticRead(db, async (trx) => (await sql<{ kind: 'in' | 'out'; k: number; exact: boolean; n: number }>`
      SELECT v.kind, greatest(floor(v.x), -1)::int AS k, v.x = floor(v.x) AS exact, count(*)::int AS n
        FROM conversation_waits,
             LATERAL (VALUES ('in', date_part('epoch', entered_at - ${w.start}::timestamptz) / ${step}::float8),
                             ('out', date_part('epoch', left_at - ${w.start}::timestamptz) / ${step}::float8)) AS v(kind, x)
       WHERE entered_at < ${w.end} AND (left_at IS NULL OR left_at >= ${w.start}) AND ${where} AND v.x IS NOT NULL
       GROUP BY 1, 2, 3`.execute(trx)).rows),
  ]);

  const teamOf = (r: Record<string, unknown> | undefined): Omit<QueueTeam, 'team'> => {
    const n = (k: string) => Number(r?.[k] ?? 0);
    return {
      waits: n('waits'),
      wait: statsOf(r, 'wait'),
      assigned: n('assigned'),
      abandoned: n('expired') + n('closed') + n('resolved'),
      abandoned_by: { expired: n('expired'), closed: n('closed'), resolved: n('resolved') },
      rerouted: n('rerouted'),
    };
  };
  // In the queue at t_k = start + k * step: entered at or before t_k (x <= k) and not left by then (x > k).
  const points = Math.ceil((w.end.getTime() - w.start.getTime()) / stepMs);
  const at = { in: new Array<number>(points + 1).fill(0), out: new Array<number>(points + 1).fill(0) };
  const within = { in: new Array<number>(points).fill(0), out: new Array<number>(points).fill(0) };
  for (const d of deltas) {
    // The first point at or after x; those before the start count from point 0.
    const first = d.k < 0 ? 0 : d.exact ? d.k : d.k + 1;
    if (first <= points) at[d.kind][first] = at[d.kind][first]! + d.n;
    if (d.k >= 0 && d.k < points) within[d.kind][d.k] = within[d.kind][d.k]! + d.n;
  }
  const queue_length: QueuePoint[] = [];
  let waiting = 0;
  for (let k = 0; k < points; k++) {
    waiting += at.in[k]! - at.out[k]!;
    queue_length.push({ at: new Date(w.start.getTime() + k * stepMs).toISOString(), waiting, joined: within.in[k]!, left: within.out[k]! });
  }
  return {
    overall: teamOf(waits.find((r) => Number(r.whole) === 1)),
    by_team: waits
      .filter((r) => Number(r.whole) === 0)
      .sort((a, b) => (String(a.team) < String(b.team) ? -1 : String(a.team) > String(b.team) ? 1 : 0))
      .map((r) => ({ team: r.team, ...teamOf(r) })),
    queue_length,
  };
};
