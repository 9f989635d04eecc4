// A conversation's funnel rows (its runs and their steps, folded from its funnel events), and the set-wise writes:
// each table's rows of the touched conversations replaced in one statement, whatever the batch's size.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { foldWebviewFunnel, runSteps, type FunnelEvent, type FunnelEventType } from '../../domain/conversations/index.ts';
import { parseGuid } from '../../domain/journeys/index.ts';
import type { WebviewFunnelEventsTable } from './webview-funnel-schema.ts';

type Value = string | number | boolean | null;
export type Row = Record<string, Value>;

/** A stored funnel event as the fold reads it. */
export const funnelEventOfRow = (r: Omit<WebviewFunnelEventsTable, 'guid' | 'at'> & { at: Date }): FunnelEvent => ({
  id: r.event_id,
  type: r.event_type as FunnelEventType,
  at: r.at.getTime(),
  webview_id: r.webview_id,
  step: r.step,
  step_index: r.step_index,
  reason: r.reason,
  team: r.team,
  department: r.department,
  query_nature: r.query_nature,
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The runs and run steps of one conversation. */
export const funnelRows = (guid: string, events: readonly FunnelEvent[]): { runs: Row[]; steps: Row[] } => {
  const funnel = foldWebviewFunnel(events);
  const runs: Row[] = [];
  const steps: Row[] = [];
  for (const run of funnel.runs) {
    const facets = { dealer_code: parseGuid(guid)?.dealer ?? null, team: run.team, department: funnel.department, query_nature: funnel.query_nature };
    const key = { guid, webview_id: run.webview_id, seq: run.seq };
    const own = runSteps(run);
    runs.push({
      ...key,
      opened_at: iso(run.opened_at),
      implicit_open: run.implicit_open,
      ended_at: iso(run.ended_at),
      outcome: run.outcome,
      exit_reason: run.exit_reason,
      steps_reached: own.length,
      last_step: run.visits.at(-1)?.step ?? null,
      ...facets,
    });
    for (const s of own) {
      steps.push({ ...key, step: s.step, opened_at: iso(run.opened_at), step_index: s.step_index, position: s.position, status: s.status, time_ms: s.time_ms, visits: s.visits, exit_reason: s.exit_reason, ...facets });
    }
  }
  return { runs, steps };
};

/** A table's columns with their PostgreSQL types (arrays of them are what unnest reads), its key first. */
export interface TableSpec {
  name: string;
  key: readonly string[];
  columns: Readonly<Record<string, string>>;
}

const incoming = (spec: TableSpec, rows: readonly Row[]): RawBuilder<unknown> => {
  const names = Object.keys(spec.columns);
  const arrays = names.map((c) => sql`${rows.map((r) => r[c] ?? null)}::${sql.raw(spec.columns[c]!)}[]`);
  return sql`SELECT * FROM unnest(${sql.join(arrays)}) AS i(${sql.join(names.map((c) => sql.id(c)))})`;
};

/**
 * Replaces the rows of conversations `guids` with `rows`: one statement deletes the rows no longer there and
 * upserts the others (the two touch different rows, as PostgreSQL requires of one statement); a row that did not
 * change is not written again.
 */
export const replaceRows = async (db: Kysely<unknown>, spec: TableSpec, guids: readonly string[], rows: readonly Row[]): Promise<void> => {
  const names = Object.keys(spec.columns);
  const rest = names.filter((c) => !spec.key.includes(c));
  const table = sql.table(spec.name);
  const sameKey = sql.join(spec.key.map((k) => sql`i.${sql.id(k)} = t.${sql.id(k)}`), sql` AND `);
  const cols = sql.join(names.map((c) => sql.id(c)));
  const restOf = (alias: string) => sql.join(rest.map((c) => sql`${sql.id(alias)}.${sql.id(c)}`));
  await sql`
    WITH incoming AS (${incoming(spec, rows)}),
    gone AS (DELETE FROM ${table} AS t WHERE t.guid = ANY(${[...guids]}::text[]) AND NOT EXISTS (SELECT 1 FROM incoming i WHERE ${sameKey}))
    INSERT INTO ${table} (${cols}) SELECT ${cols} FROM incoming
    ON CONFLICT (${sql.join(spec.key.map((k) => sql.id(k)))}) DO UPDATE SET ${sql.join(rest.map((c) => sql`${sql.id(c)} = excluded.${sql.id(c)}`))}
    WHERE (${restOf(spec.name)}) IS DISTINCT FROM (${restOf('excluded')})
  `.execute(db);
};

const FACETS = { dealer_code: 'text', team: 'text', department: 'text', query_nature: 'text' };

export const RUNS: TableSpec = {
  name: 'webview_runs',
  key: ['guid', 'webview_id', 'seq'],
  columns: { guid: 'text', webview_id: 'text', seq: 'int4', opened_at: 'timestamptz', implicit_open: 'bool', ended_at: 'timestamptz', outcome: 'text', exit_reason: 'text', steps_reached: 'int4', last_step: 'text', ...FACETS },
};

export const RUN_STEPS: TableSpec = {
  name: 'webview_run_steps',
  key: ['guid', 'webview_id', 'seq', 'step'],
  columns: {
    guid: 'text',
    webview_id: 'text',
    seq: 'int4',
    step: 'text',
    opened_at: 'timestamptz',
    step_index: 'int4',
    position: 'int4',
    status: 'text',
    time_ms: 'int8',
    visits: 'int4',
    exit_reason: 'text',
    ...FACETS,
  },
};

export const FUNNEL_EVENTS: TableSpec = {
  name: 'webview_funnel_events',
  key: ['guid', 'event_id'],
  columns: { guid: 'text', event_id: 'text', event_type: 'text', at: 'timestamptz', webview_id: 'text', step: 'text', step_index: 'int4', reason: 'text', team: 'text', department: 'text', query_nature: 'text' },
};

/** Adds funnel events (a repeat of one already kept is skipped), in one statement. */
export const insertFunnelEvents = async (db: Kysely<unknown>, rows: readonly Row[]): Promise<void> => {
  const cols = sql.join(Object.keys(FUNNEL_EVENTS.columns).map((c) => sql.id(c)));
  await sql`INSERT INTO webview_funnel_events (${cols}) SELECT ${cols} FROM (${incoming(FUNNEL_EVENTS, rows)}) AS i ON CONFLICT (guid, event_id) DO NOTHING`.execute(db);
};
