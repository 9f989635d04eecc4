// The webhook dispatcher: takes due deliveries (leased, at most a few per endpoint across every process), sends
// each with its signatures, and records the attempt and its verdict. A slow or dead receiver holds only its own
// slots: other endpoints' deliveries and ingestion never wait for it.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { Kysely } from 'kysely';
import { sendWebhook, WEBHOOK_TIMEOUT_MS, type Resolver, type SendResult } from '../application/webhooks/index.ts';
import { failingTooLong, judgeAttempt, outcomeText, signingSecrets, type AttemptOutcome, type WebhookSubscription } from '../domain/webhooks/index.ts';
import { activeSubscriptions, beat, claimDueDeliveries, disableEndpoint, forgetDispatcher, markFailing, recordAttempt, releaseDelivery, type ClaimedDelivery, type DeliveryNext } from '../projections/webhooks/index.ts';

export interface WebhookDispatcherDeps {
  readModels: Kysely<unknown>;
  logger?: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export interface WebhookDispatcherOptions {
  /** THREADLINE_WEBHOOK_ALLOW_PRIVATE: loopback/private destinations and plain http. */
  allowPrivate: boolean;
  /** The clock of the schedule (due times, leases, rotation overlaps); tests inject one. */
  now?: () => Date;
  /** The clock of `webhook-timestamp`: always the real time, since receivers compare it with theirs. */
  wallClock?: () => Date;
  /** The jitter's draw in [0, 1). */
  random?: () => number;
  /** Deliveries of one endpoint in flight at most (across processes). */
  perEndpoint?: number;
  /** Deliveries in flight in this process at most. */
  maxInFlight?: number;
  pollIntervalMs?: number;
  timeoutMs?: number;
  resolver?: Resolver;
}

export interface DispatchSummary {
  attempted: number;
  delivered: number;
  retrying: number;
  deadLettered: number;
  disabled: number;
}

export interface WebhookDispatcher {
  /** Takes what is due now, sends it all and records every verdict before answering (tests). */
  runOnce(): Promise<DispatchSummary>;
  start(): void;
  /** Stops taking work and waits for the attempts in flight (each bounded by the 15 s timeout). */
  stop(): Promise<void>;
  /** New deliveries were queued: look now instead of at the next poll. */
  nudge(): void;
}

/** How often a dispatcher says it is alive, and how long without a word makes it dead (its leases taken back). */
const HEARTBEAT_MS = 1000;
const HOLDER_TIMEOUT_MS = 5000;

type Verdict = 'delivered' | 'retrying' | 'deadLettered' | 'disabled' | 'released';

const outcomeOf = (r: SendResult): AttemptOutcome => (r.kind === 'response' ? { kind: 'response', status: r.status, retryAfter: r.retryAfter } : { kind: 'error', error: r.error });

export const createWebhookDispatcher = (deps: WebhookDispatcherDeps, options: WebhookDispatcherOptions): WebhookDispatcher => {
  const db = deps.readModels;
  const clock = options.now ?? (() => new Date());
  const wall = options.wallClock ?? (() => new Date());
  const random = options.random ?? Math.random;
  const perEndpoint = options.perEndpoint ?? 4;
  const maxInFlight = options.maxInFlight ?? 64;
  const timeoutMs = options.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  // A lease outlives any attempt; a holder that dies stops beating and loses its rows within HOLDER_TIMEOUT_MS.
  const leaseMs = timeoutMs + 15_000;
  const id = `dsp_${randomBytes(8).toString('hex')}`;
  let lastBeat: number | null = null;
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  const attempt = async (c: ClaimedDelivery, sub: WebhookSubscription | undefined): Promise<Verdict> => {
    if (!sub) {
      await releaseDelivery(db, c.id);
      return 'released';
    }
    const now = clock();
    const result = await sendWebhook(
      { url: sub.url, webhookId: c.envelope_id, body: c.payload, secrets: signingSecrets(sub, now), at: wall() },
      { allowPrivate: options.allowPrivate, timeoutMs, agents, resolver: options.resolver },
    );
    const at = clock();
    const outcome = outcomeOf(result);
    const attemptsMade = c.attempts + 1;
    const verdict = judgeAttempt(outcome, attemptsMade, at, random());
    const next: DeliveryNext =
      verdict.next === 'delivered' ? { status: 'delivered' } : verdict.next === 'retry' ? { status: 'pending', nextAttemptAt: new Date(at.getTime() + verdict.delayMs) } : { status: 'failed' };
    await recordAttempt(
      db,
      c.id,
      { at, statusCode: result.kind === 'response' ? result.status : null, error: result.kind === 'error' ? result.error : null, latencyMs: result.latencyMs, excerpt: result.kind === 'response' ? result.excerpt : null, lastStatus: outcomeText(outcome) },
      next,
    );
    const context = { subscription_id: sub.id, delivery_id: c.id, webhook_id: c.envelope_id, attempts: attemptsMade, last_status: outcomeText(outcome) };
    if (verdict.next === 'delivered') {
      if (sub.failing_since) await markFailing(db, sub.id, null);
      sub.failing_since = null;
      return 'delivered';
    }
    if (verdict.next === 'disable_endpoint' || failingTooLong(sub.failing_since, at)) {
      const reason = verdict.next === 'disable_endpoint' ? verdict.reason : `every delivery failed since ${sub.failing_since?.toISOString()} (more than 5 days)`;
      const cancelled = await disableEndpoint(db, sub.id, reason, at);
      deps.logger?.error({ ...context, reason, cancelled }, 'webhook endpoint disabled');
      return 'disabled';
    }
    if (!sub.failing_since) {
      await markFailing(db, sub.id, at);
      sub.failing_since = at;
    }
    if (verdict.next === 'dead_letter') {
      deps.logger?.error({ ...context, reason: verdict.reason }, 'webhook delivery dead-lettered');
      return 'deadLettered';
    }
    return 'retrying';
  };

  /** Leases what is due and gives each claim its subscription as it is now. */
  const claim = async (limit: number) => {
    const now = clock();
    if (lastBeat === null || now.getTime() - lastBeat >= HEARTBEAT_MS || now.getTime() < lastBeat) {
      await beat(db, id, now);
      lastBeat = now.getTime();
    }
    const subs = new Map((await activeSubscriptions(db)).map((s) => [s.id, s]));
    if (subs.size === 0) return [];
    const claimed = await claimDueDeliveries(db, { now, dispatcherId: id, leaseUntil: new Date(now.getTime() + leaseMs), heartbeatSince: new Date(now.getTime() - HOLDER_TIMEOUT_MS), perEndpoint, limit });
    return claimed.map((c) => ({ c, sub: subs.get(c.subscription_id) }));
  };

  const runOnce = async (): Promise<DispatchSummary> => {
    const verdicts = await Promise.all((await claim(maxInFlight)).map(({ c, sub }) => attempt(c, sub)));
    const count = (v: Verdict) => verdicts.filter((x) => x === v).length;
    return { attempted: verdicts.filter((v) => v !== 'released').length, delivered: count('delivered'), retrying: count('retrying'), deadLettered: count('deadLettered'), disabled: count('disabled') };
  };

  // The running loop: claims while there are free slots; each finished attempt frees one and looks again.
  let timer: NodeJS.Timeout | null = null;
  let pumping = false;
  let again = false;
  const inFlight = new Set<Promise<unknown>>();
  const pump = async () => {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        const free = maxInFlight - inFlight.size;
        if (free <= 0 || !timer) break;
        for (const { c, sub } of await claim(free)) {
          const p: Promise<unknown> = attempt(c, sub)
            .catch((error: unknown) => deps.logger?.error({ err: error, delivery_id: c.id }, 'webhook attempt not recorded; the lease will expire and it is sent again'))
            .finally(() => {
              inFlight.delete(p);
              nudge();
            });
          inFlight.add(p);
        }
      } while (again);
    } catch (error) {
      deps.logger?.error({ err: error }, 'webhook dispatcher could not claim deliveries; retrying at the next poll');
    } finally {
      pumping = false;
    }
  };
  const nudge = () => {
    if (timer) void pump();
  };

  return {
    runOnce,
    nudge,
    start() {
      if (timer) return;
      timer = setInterval(nudge, options.pollIntervalMs ?? 500);
      timer.unref();
      nudge();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      while (pumping) await new Promise((r) => setTimeout(r, 5));
      await Promise.all([...inFlight]);
      await forgetDispatcher(db, id, new Date(clock().getTime() - 86_400_000)).catch(() => {});
      agents.http.destroy();
      agents.https.destroy();
    },
  };
};
