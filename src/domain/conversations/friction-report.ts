// The friction report from the funnel's counts: the steps in flow order, rates, and times in seconds.
// docs/conversations.md ("Friction") defines every number.

/** Runs of the report counted by how they ended, the step they ended on and their exit's reason. */
export interface FrictionRunGroup {
  outcome: 'completed' | 'exited' | 'escalated' | 'abandoned';
  last_step: string | null;
  exit_reason: string | null;
  runs: number;
}

export interface FrictionStepCounts {
  step: string;
  step_index: number | null;
  /** Mean of the step's position among the steps each run reached (the order users reach it). */
  position: number;
  reached: number;
  completed: number;
  exited: number;
  abandoned: number;
  escalated: number;
  went_back: number;
  /** Runs with a time on the step (one of its visits ended). */
  timed: number;
  median_ms: number | null;
  p90_ms: number | null;
}

const rate = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((part / whole) * 1e6) / 1e6);
const seconds = (ms: number | null): number | null => (ms === null ? null : Math.round(ms) / 1000);

type Reason = { reason: string | null; count: number };

/** Flow order: by step_index where the page gave one, then by the order users reach the steps, then by name. */
const flowOrder = (a: FrictionStepCounts, b: FrictionStepCounts): number => {
  if (a.step_index !== b.step_index) return a.step_index === null ? 1 : b.step_index === null ? -1 : a.step_index - b.step_index;
  return a.position - b.position || b.reached - a.reached || (a.step < b.step ? -1 : a.step > b.step ? 1 : 0);
};

const byCount = (a: Reason, b: Reason) =>
  b.count - a.count || (a.reason === null ? 1 : b.reason === null ? -1 : a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0);

export const frictionReport = (groups: readonly FrictionRunGroup[], steps: readonly FrictionStepCounts[]) => {
  const sum = (keep: (g: FrictionRunGroup) => boolean) => groups.filter(keep).reduce((n, g) => n + g.runs, 0);
  const opened = sum(() => true);
  const completed = sum((g) => g.outcome === 'completed');
  const escalated = sum((g) => g.outcome === 'escalated');
  const exited = sum((g) => g.outcome === 'exited');
  const abandoned = sum((g) => g.outcome === 'abandoned');
  // An exit's reason belongs to the step its run ended on (the step where that run counts as exited).
  const reasons = new Map<string, Reason[]>();
  for (const g of groups) {
    if (g.outcome !== 'exited' || g.last_step === null) continue;
    const list = reasons.get(g.last_step) ?? [];
    const same = list.find((r) => r.reason === g.exit_reason);
    if (same) same.count += g.runs;
    else list.push({ reason: g.exit_reason, count: g.runs });
    reasons.set(g.last_step, list);
  }
  return {
    totals: {
      opened,
      completed,
      completion_rate: rate(completed, opened),
      escalated,
      escalation_rate: rate(escalated, opened),
      dropped: exited + abandoned,
      exited,
      abandoned,
      dropped_before_first_step: sum((g) => g.last_step === null && (g.outcome === 'exited' || g.outcome === 'abandoned')),
    },
    steps: [...steps].sort(flowOrder).map((s) => ({
      step: s.step,
      step_index: s.step_index,
      reached: s.reached,
      completed: s.completed,
      dropped: s.exited + s.abandoned,
      exited: s.exited,
      abandoned: s.abandoned,
      escalated: s.escalated,
      went_back: s.went_back,
      completion_rate: rate(s.completed, s.reached),
      drop_rate: rate(s.exited + s.abandoned, s.reached),
      time_seconds: { median: seconds(s.median_ms), p90: seconds(s.p90_ms), samples: s.timed },
      exit_reasons: [...(reasons.get(s.step) ?? [])].sort(byCount),
    })),
  };
};

export type FrictionReport = ReturnType<typeof frictionReport>;
