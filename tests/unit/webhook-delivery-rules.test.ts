// The delivery rules as a table: what each answer of a receiver leads to, the retry schedule with its jitter, and
// Retry-After in both of its forms.
import { describe, expect, it } from 'vitest';
import { failingTooLong, judgeAttempt, MAX_ATTEMPTS, parseRetryAfter, RETRY_AFTER_CAP_MS, retryDelayMs, RETRY_SCHEDULE_MS, type AttemptOutcome } from '../../src/domain/webhooks/index.ts';

const NOW = new Date('2026-01-05T12:00:00Z');
const res = (status: number, retryAfter: string | null = null): AttemptOutcome => ({ kind: 'response', status, retryAfter });

describe('webhook delivery rules', () => {
  it.each([
    [res(200), 'delivered'],
    [res(204), 'delivered'],
    [res(299), 'delivered'],
    [res(301), 'retry'],
    [res(302), 'retry'],
    [res(400), 'retry'],
    [res(404), 'retry'],
    [res(410), 'disable_endpoint'],
    [res(429), 'retry'],
    [res(500), 'retry'],
    [res(503), 'retry'],
    [{ kind: 'error', error: 'ECONNRESET' } as AttemptOutcome, 'retry'],
  ])('%o after a first attempt: %s', (outcome, next) => {
    expect(judgeAttempt(outcome, 1, NOW, 0.5).next).toBe(next);
  });

  it('follows the schedule immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then dead-letters', () => {
    expect(RETRY_SCHEDULE_MS).toEqual([0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    const waits = [];
    for (let made = 1; made < MAX_ATTEMPTS; made++) {
      const v = judgeAttempt(res(500), made, NOW, 0.5);
      expect(v.next).toBe('retry');
      if (v.next === 'retry') waits.push(v.delayMs);
    }
    expect(waits).toEqual(RETRY_SCHEDULE_MS.slice(1));
    expect(judgeAttempt(res(500), MAX_ATTEMPTS, NOW, 0.5)).toMatchObject({ next: 'dead_letter' });
    // Even a receiver that asks for a short wait every time runs out of attempts.
    expect(judgeAttempt(res(503, '1'), MAX_ATTEMPTS, NOW, 0.5).next).toBe('dead_letter');
  });

  it('jitters each wait by at most 10%', () => {
    expect(retryDelayMs(2, 0)).toBe(270_000);
    expect(retryDelayMs(2, 0.999999)).toBeCloseTo(330_000, -1);
    expect(retryDelayMs(0, 0.5)).toBeNull();
    expect(retryDelayMs(MAX_ATTEMPTS, 0.5)).toBeNull();
  });

  it('honours Retry-After on 429 and 503, in seconds or as an HTTP date, capped at an hour', () => {
    expect(judgeAttempt(res(429, '120'), 1, NOW, 0.5)).toMatchObject({ next: 'retry', delayMs: 120_000 });
    expect(judgeAttempt(res(503, 'Mon, 05 Jan 2026 12:10:00 GMT'), 1, NOW, 0.5)).toMatchObject({ next: 'retry', delayMs: 600_000 });
    expect(judgeAttempt(res(503, '999999'), 1, NOW, 0.5)).toMatchObject({ next: 'retry', delayMs: RETRY_AFTER_CAP_MS });
    // Not on other statuses, and an unreadable header leaves the schedule.
    expect(judgeAttempt(res(500, '120'), 1, NOW, 0.5)).toMatchObject({ next: 'retry', delayMs: 5_000 });
    expect(judgeAttempt(res(429, 'soon'), 1, NOW, 0.5)).toMatchObject({ next: 'retry', delayMs: 5_000 });
    expect(parseRetryAfter('Mon, 05 Jan 2026 11:00:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter(null, NOW)).toBeNull();
  });

  it('disables an endpoint failing for more than five days', () => {
    const day = 86_400_000;
    expect(failingTooLong(null, NOW)).toBe(false);
    expect(failingTooLong(new Date(NOW.getTime() - 5 * day), NOW)).toBe(false);
    expect(failingTooLong(new Date(NOW.getTime() - 5 * day - 1), NOW)).toBe(true);
  });
});
