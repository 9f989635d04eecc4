// What every conversation report shares: its filters as SQL over the fact tables' filter columns, percentiles, and
// the grouping sets the agents report breaks its numbers down by.
import { sql, type RawBuilder } from 'kysely';
import type { DealerFilter } from '../runner/dealer-filter.ts';

export interface ReportFilter {
  /** The dealers the caller may see, narrowed by the `dealer` filter; null for every dealer. */
  dealers: DealerFilter;
  team: string | null;
  department: string | null;
  query_nature: string | null;
}

/** Which column(s) the `team` filter matches on a table: a fact's own team, any team a conversation had, either end of a hand-over. */
export type TeamMatch = { column: string } | { any: string } | { either: [string, string] };

/** The filter as a boolean SQL expression over unqualified columns. */
export const filterSql = (f: ReportFilter, team: TeamMatch): RawBuilder<boolean> => {
  const parts: RawBuilder<boolean>[] = [sql<boolean>`true`];
  if (f.dealers) parts.push(sql<boolean>`dealer = ANY(${[...f.dealers]}::text[])`);
  if (f.department !== null) parts.push(sql<boolean>`department = ${f.department}`);
  if (f.query_nature !== null) parts.push(sql<boolean>`query_nature = ${f.query_nature}`);
  if (f.team !== null) {
    if ('column' in team) parts.push(sql<boolean>`${sql.ref(team.column)} = ${f.team}`);
    else if ('any' in team) parts.push(sql<boolean>`${f.team} = ANY(${sql.ref(team.any)})`);
    else parts.push(sql<boolean>`(${sql.ref(team.either[0])} = ${f.team} OR ${sql.ref(team.either[1])} = ${f.team})`);
  }
  return sql.join(parts, sql` AND `) as RawBuilder<boolean>;
};

/**
 * Count, median and p90 of the durations (milliseconds) gathered in an array column, as `${alias}_count` and
 * `${alias}_pcts`. Gathering per group with array_agg lets the database group by hashing and sort each group's values
 * on their own (one sort of the whole input per breakdown, ordered by text keys, cost three to five times as much
 * over 300,000 replies); integers sort about twice as fast as float8. percentile_cont sorts float8 only, so the two
 * values around each rank are taken with percentile_disc (rank i is at fraction (i + 0.5) / n, clear of rounding)
 * and statsOf interpolates between them exactly as percentile_cont does.
 */
export const arrayStats = (values: RawBuilder<string[] | null>, alias: string) => {
  const n = sql`cardinality(${values})::float8`;
  const at = (p: number) => [sql`(floor(${sql.lit(p)} * (${n} - 1)) + 0.5) / ${n}`, sql`(ceil(${sql.lit(p)} * (${n} - 1)) + 0.5) / ${n}`];
  return sql`coalesce(cardinality(${values}), 0)::int AS ${sql.ref(`${alias}_count`)},
    CASE WHEN cardinality(${values}) > 0 THEN (SELECT percentile_disc(ARRAY[${sql.join([...at(0.5), ...at(0.9)])}]) WITHIN GROUP (ORDER BY v) FROM unnest(${values}) AS v) END AS ${sql.ref(`${alias}_pcts`)}`;
};

/** The durations of a column for arrayStats, nulls left out (null when there are none). */
export const gather = (column: string, also: RawBuilder<boolean> = sql<boolean>`true`) =>
  sql<string[] | null>`array_agg(${sql.ref(column)}) FILTER (WHERE ${sql.ref(column)} IS NOT NULL AND ${also})`;

export interface DurationStats {
  count: number;
  median_seconds: number | null;
  p90_seconds: number | null;
}

const seconds = (ms: number): number => Math.round(ms) / 1000;

/** percentile_cont's linear interpolation between the values at the ranks around p x (n - 1). */
const interpolate = (p: number, n: number, lo: unknown, hi: unknown): number => {
  const h = p * (n - 1);
  return Number(lo) + (h - Math.floor(h)) * (Number(hi) - Number(lo));
};

export const statsOf = (row: Record<string, unknown> | undefined, alias: string): DurationStats => {
  const count = Number(row?.[`${alias}_count`] ?? 0);
  const p = row?.[`${alias}_pcts`];
  if (count === 0 || !Array.isArray(p)) return { count, median_seconds: null, p90_seconds: null };
  return { count, median_seconds: seconds(interpolate(0.5, count, p[0], p[1])), p90_seconds: seconds(interpolate(0.9, count, p[2], p[3])) };
};

export const rate = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((part / whole) * 1e6) / 1e6);

/**
 * The agents report's breakdowns: per agent, per team, per category (department and query nature) and overall.
 * `kind` reads GROUPING(agent, team, department, query_nature): a set bit is a column grouped away.
 */
export const BREAKDOWNS = sql`GROUPING SETS ((agent), (team), (department, query_nature), ())`;
export const breakdownKind = sql<number>`GROUPING(agent, team, department, query_nature)`;
export const KIND_AGENT = 0b0111;
export const KIND_TEAM = 0b1011;
export const KIND_CATEGORY = 0b1100;
export const KIND_ALL = 0b1111;

/** A row's key within its breakdown. */
export const breakdownKey = (r: { kind: number; agent: string | null; team: string | null; department: string | null; query_nature: string | null }): string =>
  JSON.stringify(r.kind === KIND_AGENT ? [r.agent] : r.kind === KIND_TEAM ? [r.team] : r.kind === KIND_CATEGORY ? [r.department, r.query_nature] : []);
