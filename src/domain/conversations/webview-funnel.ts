// A conversation's web-view runs, folded from its funnel events by event time (so arrival order does not matter):
// a run is one opening of one web view, with the visits of its steps and how each visit and the run ended.
// The rules (re-opens, steps without an open, exit intents the user came back from) are in docs/conversations.md.
import type { FunnelEvent, FunnelEventType } from './webview-funnel-events.ts';

/** How a visit of a step ended: another step, the flow completed, an exit, an escalation, or nothing more heard. */
export type VisitOutcome = 'continued' | 'completed' | 'exited' | 'escalated' | 'abandoned';
export type RunOutcome = 'completed' | 'exited' | 'escalated' | 'abandoned';

export interface StepVisit {
  step: string;
  step_index: number | null;
  entered: number;
  /** When the visit ended (next step, completion, exit, escalation); null when abandoned. */
  left: number | null;
  outcome: VisitOutcome;
  exit_reason: string | null;
}

export interface WebviewRun {
  webview_id: string;
  /** The run's place among the runs of its web view in the conversation, from 0. */
  seq: number;
  opened_at: number;
  /** No WEBVIEW_OPENED began it: its first event (a step, an exit, ...) did, at that event's time. */
  implicit_open: boolean;
  ended_at: number | null;
  outcome: RunOutcome;
  exit_reason: string | null;
  visits: StepVisit[];
  /** The conversation's team when the run opened or, when it had none yet, the first team it reached after. */
  team: string | null;
}

export interface ConversationFunnel {
  runs: WebviewRun[];
  /** The conversation's categories now: for each field, the newest value by event time. */
  department: string | null;
  query_nature: string | null;
}

// Among events at the same instant: categories and routing first, then the page's order of things.
const RANK: Record<FunnelEventType, number> = {
  CREATED: 0,
  CATEGORIES_UPDATED: 1,
  AGENT_ASSIGNED: 1,
  HANDOVER: 1,
  WEBVIEW_OPENED: 2,
  WEBVIEW_STEP: 3,
  ESCALATION_REQUESTED: 4,
  WEBVIEW_EXIT: 5,
  WEBVIEW_COMPLETED: 6,
};

/** Event time, then the order above, then the event id: a total order that ignores arrival. */
export const byEventTime = (a: FunnelEvent, b: FunnelEvent): number => a.at - b.at || RANK[a.type] - RANK[b.type] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

type Run = Omit<WebviewRun, 'team'>;

/** Folds one web view's events (in event-time order) into its runs. */
const foldRuns = (webviewId: string, events: readonly FunnelEvent[]): Run[] => {
  const runs: Run[] = [];
  let current: Run | null = null;
  const open = (at: number, implicit: boolean): Run => {
    const run: Run = { webview_id: webviewId, seq: runs.length, opened_at: at, implicit_open: implicit, ended_at: null, outcome: 'abandoned', exit_reason: null, visits: [] };
    runs.push(run);
    return run;
  };
  // The run an event without an opening belongs to: the one in progress; the last one when it ended with an exit
  // (an exit intent the user came back from: the exit is undone); null when the last one completed or escalated
  // (the outcome is settled; a confirmation page after it is no new attempt); otherwise a run it opens itself.
  const runFor = (e: FunnelEvent): Run | null => {
    if (current) return current;
    const last = runs.at(-1);
    if (!last) return open(e.at, true);
    if (last.outcome !== 'exited') return null;
    const visit = last.visits.at(-1);
    if (visit) Object.assign(visit, { left: null, outcome: 'abandoned', exit_reason: null });
    Object.assign(last, { ended_at: null, outcome: 'abandoned', exit_reason: null });
    return last;
  };
  const enter = (run: Run, step: string, stepIndex: number | null, at: number) => {
    const visit = run.visits.at(-1);
    if (visit?.step === step) {
      visit.step_index ??= stepIndex;
      return;
    }
    if (visit) Object.assign(visit, { left: at, outcome: 'continued' });
    run.visits.push({ step, step_index: stepIndex, entered: at, left: null, outcome: 'abandoned', exit_reason: null });
  };
  const end = (run: Run, e: FunnelEvent, outcome: 'completed' | 'exited' | 'escalated') => {
    // An exit or escalation naming a step the run is not on happened on that step (its WEBVIEW_STEP went missing).
    if (e.step && outcome !== 'completed') enter(run, e.step, null, e.at);
    const reason = outcome === 'exited' ? e.reason : null;
    const visit = run.visits.at(-1);
    if (visit) Object.assign(visit, { left: e.at, outcome, exit_reason: reason });
    Object.assign(run, { ended_at: e.at, outcome, exit_reason: reason });
    current = null;
  };
  for (const e of events) {
    if (e.type === 'WEBVIEW_OPENED') {
      // A re-open while a run is in progress (a reload, a second tab of the same hand-off) is the same attempt.
      current ??= open(e.at, false);
    } else if (e.type === 'WEBVIEW_STEP' && e.step) {
      const run = runFor(e);
      if (run) {
        current = run;
        enter(run, e.step, e.step_index, e.at);
      }
    } else if (e.type === 'WEBVIEW_EXIT') {
      // A second exit of an ended run (pagehide after an explicit exit) adds nothing: the first one stands.
      const run = current ?? (runs.length === 0 ? open(e.at, true) : null);
      if (run) end(run, e, 'exited');
    } else if (e.type === 'WEBVIEW_COMPLETED' || e.type === 'ESCALATION_REQUESTED') {
      const run = runFor(e);
      if (run) end(run, e, e.type === 'WEBVIEW_COMPLETED' ? 'completed' : 'escalated');
    }
  }
  return runs;
};

const teamAt = (teams: readonly FunnelEvent[], at: number): string | null => {
  let before: string | null = null;
  for (const t of teams) {
    if (t.at <= at) before = t.team;
    else return before ?? t.team;
  }
  return before;
};

/** A conversation's web-view runs (ordered by opening, then web view) and the categories it carries. */
export const foldWebviewFunnel = (events: readonly FunnelEvent[]): ConversationFunnel => {
  const sorted = [...events].sort(byEventTime);
  let department: string | null = null;
  let queryNature: string | null = null;
  const teams: FunnelEvent[] = [];
  const byWebview = new Map<string, FunnelEvent[]>();
  for (const e of sorted) {
    department = e.department ?? department;
    queryNature = e.query_nature ?? queryNature;
    if (e.team) teams.push(e);
    // Only an escalation that names a web view is one of its events; others are the conversation's.
    if (!e.webview_id) continue;
    const list = byWebview.get(e.webview_id);
    if (list) list.push(e);
    else byWebview.set(e.webview_id, [e]);
  }
  const runs = [...byWebview].flatMap(([id, list]) => foldRuns(id, list)).map((r) => ({ ...r, team: teamAt(teams, r.opened_at) }));
  runs.sort((a, b) => a.opened_at - b.opened_at || (a.webview_id < b.webview_id ? -1 : a.webview_id > b.webview_id ? 1 : a.seq - b.seq));
  return { runs, department, query_nature: queryNature };
};
