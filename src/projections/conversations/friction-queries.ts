// The friction report's reads: one web view's runs opened in a window (with the report's filters and the caller's
// dealers), grouped by how they ended, and per step the funnel counts and the time percentiles.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { FrictionRunGroup, FrictionStepCounts } from '../../domain/conversations/index.ts';
import { analyticRead, type Window } from '../runner/read-model-db.ts';
import type { DealerFilter } from '../runner/dealer-filter.ts';

export interface FrictionFilter {
  webviewId: string;
  window: Window;
  dealer?: string | undefined;
  team?: string | undefined;
  department?: string | undefined;
  queryNature?: string | undefined;
  /** The caller's dealers; null for every dealer. */
  dealers: DealerFilter;
}

const conditions = (f: FrictionFilter, alias: string): RawBuilder<boolean> => {
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  const all: RawBuilder<boolean>[] = [
    sql<boolean>`${col('webview_id')} = ${f.webviewId}`,
    sql<boolean>`${col('opened_at')} >= ${f.window.start}`,
    sql<boolean>`${col('opened_at')} < ${f.window.end}`,
  ];
  if (f.dealer !== undefined) all.push(sql<boolean>`${col('dealer_code')} = ${f.dealer}`);
  if (f.team !== undefined) all.push(sql<boolean>`${col('team')} = ${f.team}`);
  if (f.department !== undefined) all.push(sql<boolean>`${col('department')} = ${f.department}`);
  if (f.queryNature !== undefined) all.push(sql<boolean>`${col('query_nature')} = ${f.queryNature}`);
  // The caller's dealers, as guidOfDealers restricts every report: dealer_code is the GUID's dealer, kept beside it
  // so that the covering indexes answer without the GUID.
  if (f.dealers) all.push(sql<boolean>`${col('dealer_code')} = ANY(${[...f.dealers]}::text[])`);
  return sql<boolean>`${sql.join(all, sql` AND `)}`;
};

const count = (where: string) => sql.raw(`count(*) FILTER (WHERE ${where})::int`);

/**
 * One web view's runs grouped by how they ended (totals and exit reasons), and its steps' counts and times. The two
 * reads run side by side on two connections, as the insights' do; while projections write, they may be a batch apart.
 */
export const loadFriction = async (db: Kysely<unknown>, f: FrictionFilter): Promise<{ groups: FrictionRunGroup[]; steps: FrictionStepCounts[] }> => {
  const [groups, steps] = await Promise.all([
    analyticRead(db, (trx) =>
      sql<FrictionRunGroup>`
        SELECT r.outcome, r.last_step, r.exit_reason, count(*)::int AS runs
          FROM webview_runs r WHERE ${conditions(f, 'r')} GROUP BY r.outcome, r.last_step, r.exit_reason`.execute(trx),
    ),
    // Two percentiles of one ORDER BY share one sort; the step-first index hands the rows over grouped by step.
    analyticRead(db, (trx) =>
      sql<Omit<FrictionStepCounts, 'median_ms' | 'p90_ms'> & { percentiles: number[] | null }>`
        SELECT s.step, min(s.step_index) AS step_index, avg(s.position)::float8 AS position, count(*)::int AS reached,
               ${count(`s.status = 'completed'`)} AS completed, ${count(`s.status = 'exited'`)} AS exited, ${count(`s.status = 'abandoned'`)} AS abandoned,
               ${count(`s.status = 'escalated'`)} AS escalated, ${count(`s.status = 'went_back'`)} AS went_back, count(s.time_ms)::int AS timed,
               percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY s.time_ms) AS percentiles
          FROM webview_run_steps s WHERE ${conditions(f, 's')} GROUP BY s.step`.execute(trx),
    ),
  ]);
  return {
    groups: groups.rows,
    steps: steps.rows.map(({ percentiles, ...s }) => ({ ...s, median_ms: percentiles?.[0] ?? null, p90_ms: percentiles?.[1] ?? null })),
  };
};
