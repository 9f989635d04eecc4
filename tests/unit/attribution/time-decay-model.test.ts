// Time decay's outcomes: typed errors for missing or malformed times, and stable weights for very old touches.
import { describe, expect, it } from 'vitest';
import { runModels, timeDecay, type AttributionPath } from '../../../src/domain/attribution/index.ts';

const DAY = 86_400_000;

describe('timeDecay', () => {
  it('returns missing_touch_times, naming the path, when a path has no times', () => {
    const paths: AttributionPath[] = [
      { channels: ['a'], times: [0], conversions: 1, value: 0, nulls: 0 },
      { channels: ['b'], conversions: 1, value: 0, nulls: 0 },
    ];
    expect(timeDecay(paths)).toEqual({
      ok: false,
      error: { code: 'missing_touch_times', message: 'time_decay needs touch times, but path 2 has none' },
    });
    expect(runModels(paths, { models: ['linear', 'time_decay'] })).toMatchObject({ ok: false, error: { code: 'missing_touch_times' } });
  });

  it('returns invalid_touch_times for a count mismatch or a non-finite time', () => {
    expect(timeDecay([{ channels: ['a', 'b'], times: [0], conversions: 1, value: 0, nulls: 0 }])).toMatchObject({ ok: false, error: { code: 'invalid_touch_times' } });
    expect(timeDecay([{ channels: ['a'], times: [Number.NaN], conversions: 1, value: 0, nulls: 0 }])).toMatchObject({ ok: false, error: { code: 'invalid_touch_times' } });
  });

  it('rejects a non-positive half-life', () => {
    expect(timeDecay([], { halfLifeMs: 0 })).toMatchObject({ ok: false, error: { code: 'invalid_option' } });
    expect(runModels([], { halfLifeDays: -1 })).toMatchObject({ ok: false, error: { code: 'invalid_option' } });
  });

  it('measures ages from the last touch when the conversion time is unknown', () => {
    const outcome = timeDecay([{ channels: ['a', 'b'], times: [0, 7 * DAY], conversions: 3, value: 0, nulls: 0 }]);
    expect(outcome.ok && outcome.value.get('a')!.conversions).toBeCloseTo(1, 14);
    expect(outcome.ok && outcome.value.get('b')!.conversions).toBeCloseTo(2, 14);
  });

  it('keeps finite shares when every touch is thousands of half-lives old', () => {
    const conversionTime = 20_000 * 7 * DAY;
    const outcome = timeDecay([{ channels: ['a', 'b'], times: [0, 7 * DAY], conversionTime, conversions: 1, value: 0, nulls: 0 }]);
    expect(outcome.ok && outcome.value.get('a')!.conversions).toBeCloseTo(1 / 3, 14);
  });
});
