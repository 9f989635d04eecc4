// What one delivery attempt's answer means: delivered, tried again (when), dead-lettered, or the endpoint gone.
// Pure, so the dispatcher, the documentation and the tests share one table of rules.
import { parseRetryAfter, retryDelayMs } from './retry-schedule.ts';

/** What the receiver did with one attempt. */
export type AttemptOutcome = { kind: 'response'; status: number; retryAfter: string | null } | { kind: 'error'; error: string };

export type DeliveryVerdict =
  | { next: 'delivered' }
  | { next: 'retry'; delayMs: number; reason: string }
  | { next: 'dead_letter'; reason: string }
  /** 410 Gone: the receiver says the endpoint no longer exists. */
  | { next: 'disable_endpoint'; reason: string };

/** An endpoint failing every delivery for longer than this is disabled (its streak: failing_since). */
export const ENDPOINT_FAILING_LIMIT_MS = 5 * 24 * 60 * 60 * 1000;

/** The short form kept as a delivery's last status: the HTTP status, or the error. */
export const outcomeText = (o: AttemptOutcome): string => (o.kind === 'response' ? String(o.status) : o.error);

const describe = (o: AttemptOutcome): string =>
  o.kind === 'error' ? o.error : o.status >= 300 && o.status < 400 ? `HTTP ${o.status} (redirects are not followed)` : `HTTP ${o.status}`;

/**
 * The verdict on an attempt, `attemptsMade` counting it. 2xx is delivered; 410 disables the endpoint; 429 and 503
 * wait what Retry-After asks (capped) when it says; everything else (3xx, other 4xx and 5xx, network errors and
 * timeouts) follows the retry schedule; once the schedule is spent the message is dead-lettered.
 */
export const judgeAttempt = (o: AttemptOutcome, attemptsMade: number, now: Date, random: number): DeliveryVerdict => {
  if (o.kind === 'response' && o.status >= 200 && o.status < 300) return { next: 'delivered' };
  if (o.kind === 'response' && o.status === 410) return { next: 'disable_endpoint', reason: 'the endpoint answered 410 Gone' };
  const scheduled = retryDelayMs(attemptsMade, random);
  if (scheduled === null) return { next: 'dead_letter', reason: `${describe(o)} at attempt ${attemptsMade}, the last of the schedule` };
  const asked = o.kind === 'response' && (o.status === 429 || o.status === 503) ? parseRetryAfter(o.retryAfter, now) : null;
  return { next: 'retry', delayMs: asked ?? scheduled, reason: describe(o) };
};

/** Whether an endpoint's failing streak has lasted past the limit at `now`. */
export const failingTooLong = (failingSince: Date | null, now: Date): boolean => failingSince !== null && now.getTime() - failingSince.getTime() > ENDPOINT_FAILING_LIMIT_MS;
