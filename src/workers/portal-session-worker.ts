// Ends dealer-portal sessions idle past the TTL: PORTAL_SESSION_END {reason: idle} at last activity + TTL, through the
// journey command path. Safe in every process at once: the end's event id is fixed, so a second end is a duplicate.
import type { Kysely } from 'kysely';
import { logTrackingEvents } from '../application/journeys/index.ts';
import { portalSessionEnd } from '../domain/channels/index.ts';
import { journeyStreamName, type TrackingEvent } from '../domain/journeys/index.ts';
import type { CommandStore } from '../eventstore/index.ts';
import { idlePortalSessions } from '../projections/channels/index.ts';

export interface PortalSessionWorkerDeps {
  store: CommandStore;
  readModels: Kysely<unknown>;
  /** Read-your-writes on the read model: a candidate's journey is projected up to its newest event before it is judged. */
  projections: { waitForStream(streamId: string, timeoutMs: number): Promise<boolean> };
  logger?: { error(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

export interface PortalSessionWorkerOptions {
  /** THREADLINE_PORTAL_SESSION_TTL: how long a session may go without an action. */
  ttlMs: number;
  /** How often it looks (default every minute). */
  intervalMs?: number;
  /** Sessions ended per look at most (the next look takes the rest). */
  batchSize?: number;
  /** How long it waits for a candidate's journey to be projected before leaving it to the next look. */
  projectionWaitMs?: number;
  /** The clock (tests inject one). */
  now?: () => Date;
}

export interface PortalSessionWorker {
  /** One look: ends the sessions idle now; answers how many it ended (duplicates of another process's ends not counted). */
  tick(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

export const createPortalSessionWorker = (deps: PortalSessionWorkerDeps, options: PortalSessionWorkerOptions): PortalSessionWorker => {
  const intervalMs = options.intervalMs ?? 60_000;
  const batchSize = options.batchSize ?? 500;
  const waitMs = options.projectionWaitMs ?? 5_000;
  const clock = options.now ?? (() => new Date());
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;

  const tick = async (): Promise<number> => {
    const now = clock();
    const before = new Date(now.getTime() - options.ttlMs);
    const candidates = await idlePortalSessions(deps.readModels, before, batchSize);
    if (candidates.length === 0) return 0;
    // An action may be acknowledged but not projected yet: judge each journey's sessions once it is caught up.
    const guids = [...new Set(candidates.map((c) => c.guid))];
    const caughtUp = (await Promise.all(guids.map(async (g) => ((await deps.projections.waitForStream(journeyStreamName(g), waitMs)) ? g : null)))).filter((g) => g !== null);
    const ready = new Set(caughtUp);
    const idle = await idlePortalSessions(
      deps.readModels,
      before,
      batchSize,
      candidates.filter((c) => ready.has(c.guid)).map((c) => c.session_id),
    );
    const byGuid = new Map<string, TrackingEvent[]>();
    for (const s of idle) {
      const end = portalSessionEnd({ sessionId: s.session_id, guid: s.guid, dealerCode: s.dealer_code, userId: s.user_id }, { reason: 'idle', lastActivityAt: s.last_activity_at, ttlMs: options.ttlMs }, now.toISOString());
      byGuid.set(s.guid, [...(byGuid.get(s.guid) ?? []), end]);
    }
    const groups = [...byGuid.entries()];
    if (groups.length === 0) return 0;
    const results = (await logTrackingEvents(deps.store, groups)).flat();
    const failed = results.filter((r) => r.status === 503 || r.status === 404);
    if (failed.length > 0) deps.logger?.error({ failed: failed.length }, 'portal sessions not ended; retrying at the next look');
    const ended = results.filter((r) => r.status === 201).length;
    if (ended > 0) deps.logger?.info({ ended }, 'idle portal sessions ended');
    return ended;
  };

  const look = () => {
    if (running) return;
    running = tick()
      .catch((error: unknown) => deps.logger?.error({ err: error }, 'portal session worker failed; retrying at the next look'))
      .finally(() => {
        running = null;
      });
  };

  return {
    tick,
    start() {
      if (timer) return;
      timer = setInterval(look, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
};
