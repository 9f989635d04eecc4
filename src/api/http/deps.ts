// What buildApp needs, injected by the composition root (serve) or by tests.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { OpenedStore } from '../../eventstore/index.ts';
import type { ReadModels } from '../../projections/registry.ts';

/** What the composition root's projection workers say about each projection. */
export interface ProjectionStatus {
  name: string;
  failing: { since: string; error: string; retry_in_ms: number } | null;
}

/** The HTTP side's options, all chosen by the composition root (src/config.ts has the defaults and meanings). */
export interface AppConfig {
  guidPrefix: string;
  publicUrl: string;
  bodyLimitBytes: number;
  /** How far ahead of the server's clock an event time may be. */
  maxFutureSkewMs: number;
  /** How long a journey query waits for the caller's own writes to be projected. */
  readYourWritesTimeoutMs: number;
  /** How stale the conversion-prediction model may get under writes (0 refits on every change). */
  predictionModelMaxAgeMs: number;
  /** Hold every answer to its declared schema (tests: the document cannot drift from the routes). */
  validateResponses?: boolean;
}

export interface AppDeps {
  store: OpenedStore;
  db: Kysely<ReadModels>;
  projections: {
    waitForStream(streamId: string, timeoutMs: number): Promise<boolean>;
    status(): ProjectionStatus[];
  };
  config: AppConfig;
  logger: Logger;
  clock?: () => Date;
  /** False until start-up (migrations) is done, and again while shutting down. */
  isReady?: () => boolean;
}
