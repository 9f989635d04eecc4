// The TTL worker: conversations idle past their state's limit get SESSION_EXPIRED, outreach journeys with no contact
// either way for THREADLINE_OUTREACH_ABANDON_DAYS get ABANDONED, each at the moment its limit passed, exactly once.
// The journey summary nominates; the decider judges each journey on its stream (ExpireIdle), so a projection that
// is behind never expires a journey with recent activity; the event id is fixed per idle period, so two processes,
// a retry or a restart store it once; a lease keeps the looks of several processes from overlapping.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import { journeyCommands } from '../application/journeys/index.ts';
import { idleJudge, idleScanOf, noIdleLimits, type IdleLimits } from '../domain/conversations/index.ts';
import type { CommandStore } from '../eventstore/index.ts';
import { claimIdleExpiryLease, idleCandidates, prepareIdleExpiryLease, releaseIdleExpiryLease } from '../projections/conversations/index.ts';
import { intervalTask } from './interval-task.ts';

export interface IdleExpiryWorkerDeps {
  store: CommandStore;
  readModels: Kysely<unknown>;
  logger?: { error(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

export interface IdleExpiryWorkerOptions {
  limits: IdleLimits;
  /** THREADLINE_IDLE_CHECK_INTERVAL: how often it looks (default every minute). */
  intervalMs?: number;
  /** Journeys judged per append (the look goes on page by page until none is left). */
  batchSize?: number;
  /** How long a look may hold the lease without renewing it (renewed after every page; default 60 s). */
  leaseMs?: number;
  /** The store admits one process only (PGlite): take the lease even while a crashed predecessor's runs. */
  exclusive?: boolean;
  /** The clock that decides what is idle (tests inject one). */
  now?: () => Date;
}

export interface IdleTick {
  /** SESSION_EXPIRED stored by this look (another process's, or a repeat, not counted). */
  expired: number;
  /** ABANDONED stored by this look. */
  abandoned: number;
  /** Another process held the lease: this look did nothing. */
  locked: boolean;
}

export interface IdleExpiryWorker {
  tick(): Promise<IdleTick>;
  start(): void;
  stop(): Promise<void>;
}

export const createIdleExpiryWorker = (deps: IdleExpiryWorkerDeps, options: IdleExpiryWorkerOptions): IdleExpiryWorker => {
  const batchSize = options.batchSize ?? 200;
  const leaseMs = options.leaseMs ?? 60_000;
  const clock = options.now ?? (() => new Date());
  const holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const db = deps.readModels;
  let prepared = false;

  const judgePage = async (now: Date, after: string | null, result: IdleTick): Promise<string | null> => {
    const page = await idleCandidates(db, idleScanOf(options.limits, now), after, batchSize);
    if (page.length === 0) return null;
    const receivedAt = new Date().toISOString();
    const outcomes = await journeyCommands.executeMany(
      deps.store,
      page.map((c) => ({ id: c.guid, command: { type: 'ExpireIdle' as const, data: { guid: c.guid, judge: idleJudge(options.limits, now, { dealerCode: c.dealer_code, receivedAt }) } } })),
    );
    let failed = 0;
    for (const o of outcomes) {
      if (!o.ok) {
        failed += o.error.code === 'store_unavailable' ? 1 : 0;
        continue;
      }
      for (const e of o.events) {
        if (e.type !== 'TrackingEventLogged') continue;
        if (e.data.event_type === 'SESSION_EXPIRED') result.expired++;
        else result.abandoned++;
      }
    }
    if (failed > 0) deps.logger?.error({ failed }, 'idle journeys not expired: the store failed; retrying at the next look');
    return page.length < batchSize ? null : page.at(-1)!.guid;
  };

  const tick = async (): Promise<IdleTick> => {
    const result: IdleTick = { expired: 0, abandoned: 0, locked: false };
    if (noIdleLimits(options.limits)) return result;
    if (!prepared) {
      await prepareIdleExpiryLease(db);
      prepared = true;
    }
    if (!(await claimIdleExpiryLease(db, holder, leaseMs, options.exclusive ?? false))) return { ...result, locked: true };
    try {
      // One clock for the whole look: every page is judged against the same moment.
      const now = clock();
      let after: string | null = null;
      do {
        after = await judgePage(now, after, result);
        // Renewed page by page; lost (a look longer than the lease), the rest is left to the new holder.
      } while (after !== null && (await claimIdleExpiryLease(db, holder, leaseMs, options.exclusive ?? false)));
    } finally {
      await releaseIdleExpiryLease(db, holder);
    }
    if (result.expired + result.abandoned > 0) deps.logger?.info({ expired: result.expired, abandoned: result.abandoned }, 'idle journeys expired');
    return result;
  };

  const task = intervalTask(tick, options.intervalMs ?? 60_000, (error) => deps.logger?.error({ err: error }, 'idle expiry failed; retrying at the next look'));
  return { tick, start: task.start, stop: task.stop };
};
