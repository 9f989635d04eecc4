// The webhook fan-out worker: moves the live outbox's new envelopes into per-endpoint delivery rows, woken by the
// live-outbox projection in this process and by polling (another process's writes).
import type { Kysely } from 'kysely';
import { relayEnvelopes, type RelayResult } from '../projections/webhooks/index.ts';

export interface WebhookRelayDeps {
  readModels: Kysely<unknown>;
  projections: { onApplied(projection: string, listener: () => void): () => void };
  logger?: { error(obj: object, msg: string): void };
}

export interface WebhookRelayOptions {
  now?: () => Date;
  pollIntervalMs?: number;
  batchSize?: number;
  /** Told when deliveries were queued (the dispatcher sends them at once). */
  onQueued?: (queued: number) => void;
}

export interface WebhookRelay {
  /** Relays until caught up; answers the totals. */
  runOnce(): Promise<RelayResult>;
  start(): void;
  stop(): Promise<void>;
  nudge(): void;
}

export const createWebhookRelay = (deps: WebhookRelayDeps, options: WebhookRelayOptions = {}): WebhookRelay => {
  const clock = options.now ?? (() => new Date());
  const batchSize = options.batchSize ?? 500;
  let timer: NodeJS.Timeout | null = null;
  let unsubscribe: (() => void) | null = null;
  let running: Promise<unknown> | null = null;
  let again = false;

  const runOnce = async (): Promise<RelayResult> => {
    const total = { envelopes: 0, queued: 0 };
    for (;;) {
      const r = await relayEnvelopes(deps.readModels, clock(), batchSize);
      total.envelopes += r.envelopes;
      total.queued += r.queued;
      if (r.queued > 0) options.onQueued?.(r.queued);
      if (r.envelopes < batchSize) return total;
    }
  };

  // One relay at a time in this process; a wake-up during one runs another right after (it may have missed rows).
  const nudge = () => {
    if (running) {
      again = true;
      return;
    }
    again = false;
    running = runOnce()
      .catch((error: unknown) => deps.logger?.error({ err: error }, 'webhook relay failed; retrying at the next poll'))
      .finally(() => {
        running = null;
        if (again && timer) nudge();
      });
  };

  return {
    runOnce,
    nudge,
    start() {
      if (timer) return;
      unsubscribe = deps.projections.onApplied('live-outbox', nudge);
      timer = setInterval(nudge, options.pollIntervalMs ?? 500);
      timer.unref();
      nudge();
    },
    async stop() {
      unsubscribe?.();
      unsubscribe = null;
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
};
