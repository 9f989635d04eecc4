// When a failed webhook is tried again: the Standard Webhooks / Svix schedule with ±10% jitter, and what a
// receiver's Retry-After asks for. Pure: the caller passes the clock and the random draw.

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * The wait before each attempt, indexed by the attempts already made: the first is immediate, then 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h, 10 h. Eight attempts over about 28 hours, then the message is dead-lettered.
 */
export const RETRY_SCHEDULE_MS: readonly number[] = [0, 5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR];

export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length;

/** Spreads the retries of many messages that failed together (an outage) so they do not return as one wave. */
export const RETRY_JITTER = 0.1;

/** The longest wait a Retry-After may ask for: past it, a receiver is retried as if it had said this. */
export const RETRY_AFTER_CAP_MS = HOUR;

/**
 * The wait before the next attempt once `attemptsMade` attempts failed, or null when none is left. `random` is a
 * draw in [0, 1): 0.5 gives the schedule exactly.
 */
export const retryDelayMs = (attemptsMade: number, random: number): number | null => {
  const base = RETRY_SCHEDULE_MS[attemptsMade];
  if (base === undefined || attemptsMade < 1) return null;
  return Math.round(base * (1 + (random * 2 - 1) * RETRY_JITTER));
};

/**
 * A Retry-After header (RFC 9110: delay-seconds or an HTTP date) as a wait from `now`, capped; null when absent or
 * unreadable (the schedule applies). A date in the past is a wait of zero.
 */
export const parseRetryAfter = (value: string | null | undefined, now: Date): number | null => {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Math.min(Number(text) * SECOND, RETRY_AFTER_CAP_MS);
  // Only the date forms: Date.parse would also take "5" or "tomorrow"-ish strings some engines understand.
  if (!/^[A-Za-z]{3},? /.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(0, at - now.getTime()), RETRY_AFTER_CAP_MS);
};
