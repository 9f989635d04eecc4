// The friction report from its counts: flow order, rates, seconds, and each exit's reason on the step it ended on.
import { describe, expect, it } from 'vitest';
import { frictionReport, type FrictionStepCounts } from '../../src/domain/conversations/index.ts';

const counts = (step: string, step_index: number | null, position: number, reached: number, more: Partial<FrictionStepCounts> = {}): FrictionStepCounts => ({
  step,
  step_index,
  position,
  reached,
  completed: 0,
  exited: 0,
  abandoned: 0,
  escalated: 0,
  went_back: 0,
  timed: 0,
  median_ms: null,
  p90_ms: null,
  ...more,
});

describe('friction report', () => {
  it('orders steps by step_index, then by the order users reach them, then by name; indexless steps last', () => {
    const report = frictionReport([], [counts('c', null, 0.5, 3), counts('b', 1, 9, 3), counts('a', 0, 2, 3), counts('e', null, 0.5, 3), counts('d', null, 0.2, 3)]);
    expect(report.steps.map((s) => s.step)).toEqual(['a', 'b', 'd', 'c', 'e']);
  });

  it('sums the totals from the runs, rates to six decimals, null when nothing was opened or reached', () => {
    const report = frictionReport(
      [
        { outcome: 'completed', last_step: 'c', exit_reason: null, runs: 2 },
        { outcome: 'exited', last_step: 'b', exit_reason: 'price', runs: 2 },
        { outcome: 'exited', last_step: 'b', exit_reason: null, runs: 1 },
        { outcome: 'exited', last_step: null, exit_reason: 'closed', runs: 1 },
        { outcome: 'abandoned', last_step: 'a', exit_reason: null, runs: 0 },
        { outcome: 'escalated', last_step: 'c', exit_reason: null, runs: 1 },
      ],
      [counts('b', null, 1, 5, { exited: 3, completed: 2, timed: 5, median_ms: 1500.4, p90_ms: 2999.6 }), counts('z', null, 2, 0)],
    );
    expect(report.totals).toEqual({ opened: 7, completed: 2, completion_rate: 0.285714, escalated: 1, escalation_rate: 0.142857, dropped: 4, exited: 4, abandoned: 0, dropped_before_first_step: 1 });
    expect(report.steps[0]).toMatchObject({ step: 'b', dropped: 3, completion_rate: 0.4, drop_rate: 0.6, time_seconds: { median: 1.5, p90: 3, samples: 5 } });
    expect(report.steps[0]!.exit_reasons).toEqual([{ reason: 'price', count: 2 }, { reason: null, count: 1 }]);
    expect(report.steps[1]).toMatchObject({ step: 'z', completion_rate: null, drop_rate: null, exit_reasons: [] });
    expect(frictionReport([], []).totals).toMatchObject({ opened: 0, completion_rate: null, escalation_rate: null });
  });
});
