// The web-view funnels read model: a compact copy of the events each conversation's funnel is folded from, its
// runs (one opening of one web view each) and each run's steps, with the facets the friction report filters by.
import { sql, type ColumnType, type Kysely } from 'kysely';
import type { FunnelEvent } from '../../domain/conversations/index.ts';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null, Date | string | null>;

/** One funnel event (src/domain/conversations/webview-funnel-events.ts) per row, keyed by its journey. */
export type WebviewFunnelEventsTable = Omit<FunnelEvent, 'id' | 'type' | 'at'> & {
  guid: string;
  event_id: string;
  event_type: string;
  at: Timestamp;
};

/** The facets a run and its steps are filtered by: the GUID's dealer, the run's team, the conversation's categories. */
interface Facets {
  dealer_code: string | null;
  team: string | null;
  department: string | null;
  query_nature: string | null;
}

export interface WebviewRunsTable extends Facets {
  guid: string;
  webview_id: string;
  seq: number;
  opened_at: Timestamp;
  implicit_open: boolean;
  ended_at: NullableTimestamp;
  outcome: string;
  exit_reason: string | null;
  steps_reached: number;
  /** The step the run ended on (null: it reached none): where its exit's reason belongs. */
  last_step: string | null;
}

export interface WebviewRunStepsTable extends Facets {
  guid: string;
  webview_id: string;
  seq: number;
  step: string;
  /** The run's opening: what the report's window is over. */
  opened_at: Timestamp;
  step_index: number | null;
  position: number;
  status: string;
  /** int8: a visit resumed after an exit intent may last longer than int4's 24 days of milliseconds. */
  time_ms: ColumnType<bigint | null, number | bigint | null, number | bigint | null>;
  visits: number;
  exit_reason: string | null;
}

export interface WebviewFunnelTables {
  webview_funnel_events: WebviewFunnelEventsTable;
  webview_runs: WebviewRunsTable;
  webview_run_steps: WebviewRunStepsTable;
}

export const WEBVIEW_FUNNEL_TABLES = ['webview_funnel_events', 'webview_runs', 'webview_run_steps'] as const;

export const createWebviewFunnelSchema = async (db: Kysely<unknown>): Promise<void> => {
  await sql`
    CREATE TABLE IF NOT EXISTS webview_funnel_events (
      guid text NOT NULL,
      event_id text NOT NULL,
      event_type text NOT NULL,
      at timestamptz NOT NULL,
      webview_id text,
      step text,
      step_index integer,
      reason text,
      team text,
      department text,
      query_nature text,
      PRIMARY KEY (guid, event_id)
    );
    CREATE TABLE IF NOT EXISTS webview_runs (
      guid text NOT NULL,
      webview_id text NOT NULL,
      seq integer NOT NULL,
      opened_at timestamptz NOT NULL,
      implicit_open boolean NOT NULL,
      ended_at timestamptz,
      outcome text NOT NULL,
      exit_reason text,
      steps_reached integer NOT NULL,
      last_step text,
      dealer_code text,
      team text,
      department text,
      query_nature text,
      PRIMARY KEY (guid, webview_id, seq)
    );
    CREATE TABLE IF NOT EXISTS webview_run_steps (
      guid text NOT NULL,
      webview_id text NOT NULL,
      seq integer NOT NULL,
      step text NOT NULL,
      opened_at timestamptz NOT NULL,
      step_index integer,
      position integer NOT NULL,
      status text NOT NULL,
      time_ms bigint,
      visits integer NOT NULL,
      exit_reason text,
      dealer_code text,
      team text,
      department text,
      query_nature text,
      PRIMARY KEY (guid, webview_id, seq, step)
    );
    -- The friction report reads one web view's runs opened in a window, and their steps grouped by step. The
    -- covering indexes let it read the index alone, the steps already grouped by step (no heap visits, no sort):
    -- over 250,000 step rows of one web view the steps' read went from 185 to 100 ms on a busy 2-core machine.
    -- The plain one serves narrow windows over a long history (a day of a year: a few ms).
    CREATE INDEX IF NOT EXISTS webview_runs_window ON webview_runs (webview_id, opened_at)
      INCLUDE (outcome, last_step, exit_reason, dealer_code, team, department, query_nature);
    CREATE INDEX IF NOT EXISTS webview_run_steps_window ON webview_run_steps (webview_id, opened_at);
    CREATE INDEX IF NOT EXISTS webview_run_steps_by_step ON webview_run_steps (webview_id, step, opened_at)
      INCLUDE (status, time_ms, step_index, position, dealer_code, team, department, query_nature);
  `.execute(db);
};
