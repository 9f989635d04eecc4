// Active conversations: how many are in each state now (as the projected events say), per state and team, with the
// oldest entry into each (docs/conversations.md, "Active conversations").
import { sql, type Kysely } from 'kysely';
import { allStates, conversation } from '../../domain/journeys/index.ts';
import { analyticRead, type Window } from '../runner/read-model-db.ts';
import type { ConversationsTables } from './conversations-schema.ts';
import { filterSql, type ReportFilter } from './report-filter.ts';

type Db = Kysely<ConversationsTables>;

export interface StateCount {
  conversations: number;
  oldest_entered_at: string | null;
}

export interface ActiveReport {
  total: number;
  by_state: Record<string, StateCount>;
  by_team: { team: string | null; state: string; conversations: number; oldest_entered_at: string }[];
}

/** `started` narrows to conversations started in that window; without it, every conversation counts. */
export const loadActive = async (db: Db, f: ReportFilter, started: Window | null): Promise<ActiveReport> => {
  const window = started ? sql<boolean>`started_at >= ${started.start} AND started_at < ${started.end}` : sql<boolean>`true`;
  const rows = await analyticRead(db, async (trx) => (await sql<{ state: string; team: string | null; whole: number; n: number; oldest: Date }>`
    SELECT current_state AS state, current_team AS team, GROUPING(current_team) AS whole, count(*)::int AS n, min(state_entered_at) AS oldest
      FROM conversations
     WHERE ${window} AND ${filterSql(f, { column: 'current_team' })}
     GROUP BY GROUPING SETS ((current_state), (current_state, current_team))`.execute(trx)).rows);
  const by_state: Record<string, StateCount> = Object.fromEntries(allStates(conversation).map((s) => [s, { conversations: 0, oldest_entered_at: null }]));
  let total = 0;
  for (const r of rows.filter((x) => Number(x.whole) === 1)) {
    by_state[r.state] = { conversations: r.n, oldest_entered_at: new Date(r.oldest).toISOString() };
    total += r.n;
  }
  const key = (r: { state: string; team: string | null }) => `${r.state}\u0000${r.team ?? ''}`;
  const by_team = rows
    .filter((x) => Number(x.whole) === 0)
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))
    .map((r) => ({ team: r.team, state: r.state, conversations: r.n, oldest_entered_at: new Date(r.oldest).toISOString() }));
  return { total, by_state, by_team };
};
