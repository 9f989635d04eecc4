// The webhook delivery pipeline as the composition root runs it: the relay queues deliveries and wakes the
// dispatcher, which sends them. Both are safe in every process at once.
import type { Kysely } from 'kysely';
import { createWebhookDispatcher, type WebhookDispatcher, type WebhookDispatcherOptions } from './webhook-dispatcher.ts';
import { createWebhookRelay, type WebhookRelay } from './webhook-relay.ts';

export interface WebhookWorkersDeps {
  readModels: Kysely<unknown>;
  projections: { onApplied(projection: string, listener: () => void): () => void };
  logger?: { error(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export interface WebhookWorkers {
  relay: WebhookRelay;
  dispatcher: WebhookDispatcher;
  start(): void;
  stop(): Promise<void>;
}

export const createWebhookWorkers = (deps: WebhookWorkersDeps, options: WebhookDispatcherOptions): WebhookWorkers => {
  const dispatcher = createWebhookDispatcher(deps, options);
  const relay = createWebhookRelay(deps, { now: options.now, onQueued: () => dispatcher.nudge() });
  return {
    relay,
    dispatcher,
    start() {
      dispatcher.start();
      relay.start();
    },
    async stop() {
      await relay.stop();
      await dispatcher.stop();
    },
  };
};
