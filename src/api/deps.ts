// What buildApp needs, injected by the composition root (serve) or by tests.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { OpenedStore } from '../eventstore/store.ts';
import type { ReadModels } from '../projections/schema.ts';
import type { ProjectionStatus } from '../workers/projection-runner.ts';

export interface AppDeps {
  store: OpenedStore;
  db: Kysely<ReadModels>;
  projections: {
    waitForStream(streamId: string, timeoutMs: number): Promise<boolean>;
    nudge(): void;
    status(): ProjectionStatus;
  };
  config: {
    guidPrefix: string;
    publicUrl: string;
    bodyLimit: string;
    /** How far ahead of the server's clock an event time may be (default 5 minutes). */
    maxFutureSkewMs?: number;
    readYourWritesTimeoutMs?: number;
    /** How stale the conversion-prediction model may get under writes (default 30 s; 0 refits on every change). */
    predictionModelMaxAgeMs?: number;
  };
  logger: Logger;
  clock?: () => Date;
  /** False until start-up (migrations) is done, and again while shutting down. */
  isReady?: () => boolean;
}
