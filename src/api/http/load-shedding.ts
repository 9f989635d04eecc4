// Backpressure: a bounded amount of work in flight. Past it a request is answered 503 + Retry-After at once, never
// queued until its latency is seconds, never acknowledged and dropped. Requests are counted once each; a batch also
// counts its events, so that a few large batches cannot hold what many small requests would.

import type { Response } from 'express';
import { ProblemError } from './problems.ts';

/** The answer past the budget: at once, nothing stored, safe to retry. */
export const overloaded = () => new ProblemError('overloaded', 'Too much work in flight; retry shortly (a retry with the same event_id or Idempotency-Key is safe)', {}, { 'Retry-After': '1' });

export interface InFlightLimits {
  /** Requests behind a scope being worked on at once. */
  maxRequests: number;
  /** Events of batches being appended at once. */
  maxEvents: number;
}

export interface InFlight {
  /** A release function, or null when the budget is spent (answer 503). */
  admitRequest(): (() => void) | null;
  admitEvents(n: number): (() => void) | null;
  current(): { requests: number; events: number };
}

export const createInFlight = (limits: InFlightLimits): InFlight => {
  let requests = 0;
  let events = 0;
  const once = (fn: () => void) => {
    let done = false;
    return () => {
      if (!done) {
        done = true;
        fn();
      }
    };
  };
  return {
    admitRequest() {
      if (requests >= limits.maxRequests) return null;
      requests++;
      return once(() => requests--);
    },
    admitEvents(n) {
      // A batch larger than the whole budget is still let in alone, or it could never be stored.
      if (events > 0 && events + n > limits.maxEvents) return null;
      events += n;
      return once(() => (events -= n));
    },
    current: () => ({ requests, events }),
  };
};

/** What admitting a request's events needs: the app's budgets and the metric that counts what was shed. */
interface Shedding {
  inFlight: InFlight;
  metrics: { shed: { inc(labels: { reason: string }): void } };
}

/**
 * Counts `count` events against the work in flight until the answer is sent, or sheds the request: 503 + Retry-After
 * before anything is stored (a batch, a webhook delivery and a collector beacon alike).
 */
export const admitEventsOrShed = (http: Shedding, res: Response, count: number): void => {
  const release = http.inFlight.admitEvents(count);
  if (!release) {
    http.metrics.shed.inc({ reason: 'in_flight_events' });
    throw overloaded();
  }
  res.once('close', release);
};
