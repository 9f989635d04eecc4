// What each step of one web-view run counts for in the friction funnel: a step visited twice (the back button) is
// one step reached, with one status and the time spent on it over all its visits.
import type { WebviewRun } from './webview-funnel.ts';

/**
 * - completed: the run went on to a later step after reaching it, or completed the flow (and did not end here);
 * - exited / abandoned: the run ended at this step with an exit, or with nothing more heard (both are drop-offs);
 * - escalated: the run was escalated to a human at this step;
 * - went_back: reached, then the user went back to an earlier step and the run ended there, not past this one.
 */
export type StepStatus = 'completed' | 'exited' | 'abandoned' | 'escalated' | 'went_back';

export interface RunStep {
  step: string;
  /** The first step_index the page gave the step in this run; null when it gave none. */
  step_index: number | null;
  /** How many other steps the run had reached before this one, from 0: the order users reach them. */
  position: number;
  status: StepStatus;
  /** Time on the step, summed over its visits that ended (next step, completion, exit, escalation); null if none did. */
  time_ms: number | null;
  visits: number;
  /** The exit's reason when the run exited here (null: none given). */
  exit_reason: string | null;
}

export const runSteps = (run: Pick<WebviewRun, 'outcome' | 'exit_reason' | 'visits'>): RunStep[] => {
  const { visits } = run;
  const first = new Map<string, number>();
  const index = new Map<string, number | null>();
  visits.forEach((v, i) => {
    if (!first.has(v.step)) first.set(v.step, i);
    if (index.get(v.step) == null) index.set(v.step, v.step_index);
  });
  const steps = [...first.keys()];
  const position = new Map(steps.map((s, i) => [s, i]));
  // Later in the flow: by step_index when the page gave both steps one, else reached for the first time later here.
  const later = (a: string, b: string): boolean => {
    const ia = index.get(a) ?? null;
    const ib = index.get(b) ?? null;
    return ia !== null && ib !== null ? ia > ib : position.get(a)! > position.get(b)!;
  };
  const final = visits.at(-1)?.step;
  return steps.map((step): RunStep => {
    const own = visits.filter((v) => v.step === step);
    const ended = own.filter((v) => v.left !== null);
    let status: StepStatus;
    if (step === final && run.outcome !== 'completed') status = run.outcome;
    else if (run.outcome === 'completed' || visits.slice(first.get(step)! + 1).some((v) => later(v.step, step))) status = 'completed';
    else status = 'went_back';
    return {
      step,
      step_index: index.get(step) ?? null,
      position: position.get(step)!,
      status,
      time_ms: ended.length > 0 ? ended.reduce((sum, v) => sum + (v.left! - v.entered), 0) : null,
      visits: own.length,
      exit_reason: status === 'exited' ? run.exit_reason : null,
    };
  });
};
