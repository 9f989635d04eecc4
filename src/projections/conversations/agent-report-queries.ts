// The agents report: per agent, team and category, from the stays agents held, their replies (first responses among
// them) and the resolution cycles (docs/conversations.md, "Agents"). Three aggregates, run side by side.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { analyticRead, type Window } from '../runner/read-model-db.ts';
import type { ConversationsTables } from './conversations-schema.ts';
import { arrayStats, BREAKDOWNS, breakdownKey, breakdownKind, filterSql, gather, KIND_AGENT, KIND_ALL, KIND_CATEGORY, KIND_TEAM, rate, statsOf, type DurationStats, type ReportFilter } from './report-filter.ts';

type Db = Kysely<ConversationsTables>;
type Row = Record<string, unknown> & { kind: number; agent: string | null; team: string | null; department: string | null; query_nature: string | null };

export interface AgentMetrics {
  conversations_handled: number;
  replies: number;
  first_response: DurationStats;
  response_time: DurationStats;
  resolution_time: DurationStats;
  resolutions: number;
  resolution_rate: number | null;
  reopened: number;
  reopen_rate: number | null;
}

export interface AgentReport {
  overall: AgentMetrics & { bot_resolved: number };
  by_agent: (AgentMetrics & { agent_id: string | null })[];
  by_team: (AgentMetrics & { team: string | null })[];
  by_category: (AgentMetrics & { department: string | null; query_nature: string | null })[];
}

const KEYS = sql`agent, team, department, query_nature, kind`;
const xs = (alias: string) => sql.ref(`q.${alias}_xs`) as unknown as RawBuilder<string[] | null>;

export const loadAgentReport = async (db: Db, w: Window, f: ReportFilter): Promise<AgentReport> => {
  const run = (q: (trx: Db) => Promise<{ rows: unknown[] }>) => analyticRead(db, async (trx) => (await q(trx)).rows as Row[]);
  const [held, replies, cycles] = await Promise.all([
    // Held: a hold that overlaps the window or ends in it, each conversation once per breakdown row. A conversation
    // with one hold is one row in every breakdown; only the others are grouped with their GUID first (by hashing:
    // count(DISTINCT) sorts the whole input once per breakdown).
    run((trx) => sql`
      WITH h AS MATERIALIZED (
        SELECT guid, agent, team, department, query_nature, multi, next_state = 'RESOLVED' AND left_at >= ${w.start} AND left_at < ${w.end} AS resolved
          FROM conversation_holds
         WHERE entered_at < ${w.end} AND (left_at IS NULL OR left_at >= ${w.start}) AND ${filterSql(f, { column: 'team' })}
      )
      SELECT ${KEYS}, sum(n)::int AS handled, sum(r)::int AS resolved_conversations
        FROM (SELECT agent, team, department, query_nature, ${breakdownKind} AS kind, count(*) AS n, count(*) FILTER (WHERE resolved) AS r
                FROM h WHERE NOT multi GROUP BY ${BREAKDOWNS}
              UNION ALL
              SELECT ${KEYS}, count(*), count(*) FILTER (WHERE resolved)
                FROM (SELECT agent, team, department, query_nature, ${breakdownKind} AS kind, bool_or(resolved) AS resolved
                        FROM h WHERE multi GROUP BY GROUPING SETS ((agent, guid), (team, guid), (department, query_nature, guid), (guid))) d
               GROUP BY ${KEYS}) q
       GROUP BY ${KEYS}`.execute(trx)),
    // Replies, with the response clocks they stop and the first responses they are.
    run((trx) => sql`
      SELECT ${KEYS}, replies, ${arrayStats(xs('response'), 'response')}, ${arrayStats(xs('first'), 'first')}
        FROM (SELECT agent, team, department, query_nature, ${breakdownKind} AS kind, count(*)::int AS replies,
                     ${gather('response_ms')} AS response_xs, ${gather('first_response_ms')} AS first_xs
                FROM conversation_replies
               WHERE at >= ${w.start} AND at < ${w.end} AND ${filterSql(f, { column: 'team' })}
               GROUP BY ${BREAKDOWNS}) q`.execute(trx)),
    // Resolutions: cycles resolved in the window; an agent's when it was in their hands.
    run((trx) => sql`
      SELECT ${KEYS}, resolutions, reopened, bot_resolved, ${arrayStats(xs('resolution'), 'resolution')}
        FROM (SELECT agent, team, department, query_nature, ${breakdownKind} AS kind,
                     count(*) FILTER (WHERE agent IS NOT NULL)::int AS resolutions,
                     count(*) FILTER (WHERE agent IS NOT NULL AND reopened_at IS NOT NULL)::int AS reopened,
                     count(*) FILTER (WHERE human_at IS NULL)::int AS bot_resolved,
                     ${gather('resolution_ms', sql<boolean>`agent IS NOT NULL`)} AS resolution_xs
                FROM conversation_cycles
               WHERE outcome = 'resolved' AND ended_at >= ${w.start} AND ended_at < ${w.end} AND ${filterSql(f, { column: 'team' })}
               GROUP BY ${BREAKDOWNS}) q`.execute(trx)),
  ]);

  const index = (rows: Row[]) => new Map(rows.map((r) => [`${r.kind}|${breakdownKey(r)}`, r]));
  const sources = [held, replies, cycles].map(index);
  const keys = new Map<string, Row>();
  // Bot resolutions alone (no agent, no team) make no row of a breakdown: they show in the overall bot_resolved.
  for (const rows of [held, replies, cycles.filter((c) => Number(c['resolutions']) > 0)]) for (const r of rows) keys.set(`${r.kind}|${breakdownKey(r)}`, r);
  const metricsOf = (key: string): AgentMetrics & { bot_resolved: number } => {
    const [h, r, c] = sources.map((s) => s.get(key));
    const handled = Number(h?.['handled'] ?? 0);
    const resolutions = Number(c?.['resolutions'] ?? 0);
    const reopened = Number(c?.['reopened'] ?? 0);
    return {
      conversations_handled: handled,
      replies: Number(r?.['replies'] ?? 0),
      first_response: statsOf(r, 'first'),
      response_time: statsOf(r, 'response'),
      resolution_time: statsOf(c, 'resolution'),
      resolutions,
      resolution_rate: rate(Number(h?.['resolved_conversations'] ?? 0), handled),
      reopened,
      reopen_rate: rate(reopened, resolutions),
      bot_resolved: Number(c?.['bot_resolved'] ?? 0),
    };
  };
  const of = (kind: number) =>
    [...keys.entries()]
      .filter(([, r]) => r.kind === kind)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, r]) => {
        const { bot_resolved: _b, ...m } = metricsOf(key);
        return { r, m };
      });
  return {
    overall: metricsOf(`${KIND_ALL}|[]`),
    by_agent: of(KIND_AGENT).map(({ r, m }) => ({ agent_id: r.agent, ...m })),
    by_team: of(KIND_TEAM).map(({ r, m }) => ({ team: r.team, ...m })),
    by_category: of(KIND_CATEGORY).map(({ r, m }) => ({ department: r.department, query_nature: r.query_nature, ...m })),
  };
};
