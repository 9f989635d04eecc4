// The store's failures as its users see them, whatever the adapter: each adapter wraps its driver's errors once,
// with the original as `cause`, so nobody above it reads a driver's codes or messages.
import type { ErrorCode } from '../domain/shared/errors.ts';

/** The store cannot take the request now (unreachable, out of connections, shutting down, a transient conflict): retry. */
export class StoreUnavailableError extends Error {
  readonly code: ErrorCode = 'store_unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** The store refuses the statement itself (a missing table, a half-applied migration): a defect, not bad data. */
export class StoreSchemaError extends Error {
  readonly code: ErrorCode = 'internal_error';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreSchemaError';
  }
}

/** Failures that say nothing about the data being written or read: retrying (later) is the answer. */
export const isStoreFailure = (error: unknown): boolean => {
  for (let e: unknown = error; e instanceof Error; e = e.cause) if (e instanceof StoreUnavailableError || e instanceof StoreSchemaError) return true;
  return false;
};
