// The hand-overs report: the from-team -> to-team matrix with the time each hand-over cost, and how many hand-overs
// the conversations that reached a human had (docs/conversations.md, "Hand-overs").
import { sql, type Kysely } from 'kysely';
import { analyticRead, type Window } from '../runner/read-model-db.ts';
import type { ConversationsTables } from './conversations-schema.ts';
import { arrayStats, filterSql, gather, statsOf, type DurationStats, type ReportFilter } from './report-filter.ts';

type Db = Kysely<ConversationsTables>;

export interface HandoverCell {
  handovers: number;
  /** From the hand-over to the next agent reply, the next hand-over, or the conversation leaving human hands. */
  time_lost: DurationStats;
  /** From the hand-over to the next agent taking it. */
  wait_for_agent: DurationStats;
  /** Ended without an agent reply (resolved, expired or closed first). */
  unanswered: number;
}

export interface HandoverReport {
  overall: HandoverCell;
  matrix: (HandoverCell & { from_team: string | null; to_team: string })[];
  per_conversation: { conversations: number; handovers: number; mean: number | null; distribution: Record<'0' | '1' | '2' | '3+', number> };
}

export const loadHandoverReport = async (db: Db, w: Window, f: ReportFilter): Promise<HandoverReport> => {
  const [cells, counts] = await Promise.all([
    analyticRead(db, async (trx) => (await sql<Record<string, unknown> & { from_team: string | null; to_team: string; whole: number }>`
      SELECT from_team, to_team, whole, handovers, unanswered, ${arrayStats(sql`q.lost_xs`, 'lost')}, ${arrayStats(sql`q.requeue_xs`, 'requeue')}
        FROM (SELECT from_team, to_team, GROUPING(from_team, to_team) AS whole, count(*)::int AS handovers,
                     count(*) FILTER (WHERE ended_by = 'left')::int AS unanswered, ${gather('lost_ms')} AS lost_xs, ${gather('requeue_ms')} AS requeue_xs
                FROM conversation_handovers
               WHERE at >= ${w.start} AND at < ${w.end} AND ${filterSql(f, { either: ['from_team', 'to_team'] })}
               GROUP BY GROUPING SETS ((from_team, to_team), ())) q`.execute(trx)).rows),
    // Conversations started in the window that reached a human, by how many hand-overs they had.
    analyticRead(db, async (trx) => (await sql<{ k: number; n: number; handovers: number }>`
      SELECT least(handovers, 3) AS k, count(*)::int AS n, sum(handovers)::int AS handovers
        FROM conversations
       WHERE started_at >= ${w.start} AND started_at < ${w.end} AND needed_human_at IS NOT NULL AND ${filterSql(f, { any: 'teams' })}
       GROUP BY 1`.execute(trx)).rows),
  ]);
  const cell = (r: Record<string, unknown> | undefined): HandoverCell => ({
    handovers: Number(r?.['handovers'] ?? 0),
    time_lost: statsOf(r, 'lost'),
    wait_for_agent: statsOf(r, 'requeue'),
    unanswered: Number(r?.['unanswered'] ?? 0),
  });
  const distribution = { '0': 0, '1': 0, '2': 0, '3+': 0 };
  let conversations = 0;
  let handovers = 0;
  for (const c of counts) {
    distribution[c.k >= 3 ? '3+' : (String(c.k) as '0' | '1' | '2')] = c.n;
    conversations += c.n;
    handovers += c.handovers;
  }
  const key = (r: { from_team: string | null; to_team: string }) => `${r.from_team ?? ''}\u0000${r.to_team}`;
  return {
    overall: cell(cells.find((r) => Number(r.whole) === 3)),
    matrix: cells
      .filter((r) => Number(r.whole) === 0)
      .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
      .map((r) => ({ from_team: r.from_team, to_team: r.to_team, ...cell(r) })),
    per_conversation: { conversations, handovers, mean: conversations === 0 ? null : Math.round((handovers / conversations) * 1e6) / 1e6, distribution },
  };
};
