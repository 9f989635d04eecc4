// Request budgets per caller and route class: fixed windows counted by rate-limiter-flexible, in this process's
// memory (embedded store: one process) or in one PostgreSQL table every server process shares.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateDecision, RateLimiter } from '../http/deps.ts';
import { LIMIT_CLASSES, type LimitClass } from '../http/route.ts';

/** Requests allowed per window for each route class (the shape src/config.ts parses THREADLINE_RATE_LIMITS into). */
export type RateBudgets = Record<LimitClass, { quota: number; windowMs: number }>;

export type RateLimiterBackend = { kind: 'memory' } | { kind: 'postgres'; connectionString: string };

export interface RateLimiterOptions {
  budgets: RateBudgets;
  backend: RateLimiterBackend;
  /** Told when the shared store stops answering and when it answers again. */
  logger?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

/** The one table all classes share in PostgreSQL mode; a row per `<class>:<subject>`. */
export const RATE_LIMIT_TABLE = 'threadline_rate_limits';

/** A consume is one upsert: 0.5 ms a round trip, about 9,800 a second over four connections (local PostgreSQL,
 * 20,000 concurrent consumes, nothing else running). Under ingest load a round trip waits for the busy event loop
 * and database as well, and four connections held 64 single-event clients to 264 log-events/s; sixteen gave 369. */
const POOL_SIZE = 16;
/** A store that does not answer within this falls back (below) rather than holding the request. */
const STORE_TIMEOUT_MS = 1000;
/** While the store is away, one request per interval tries it again; the others go straight to the fallback. */
const RETRY_STORE_MS = 1000;
/** Expired rows are dead (the library restarts a row whose window ended); deleting them keeps one row per address
 * ever seen from piling up. The margin leaves rows alone that a process with a slower clock still counts in. */
const CLEAR_EVERY_MS = 5 * 60_000;
const CLEAR_AFTER_MS = 60 * 60_000;
/** The table's key is varchar(255): longer subjects (an OAuth `sub` may be 255 characters) are hashed. */
const MAX_SUBJECT_CHARS = 200;

/**
 * The library does arithmetic on its bigint `expire` column as a number; the process-wide parser the runtime sets
 * (int8 as BigInt, so that log positions are never rounded) made every consume throw "Cannot mix BigInt" and fall
 * back to memory. This pool reads int8 as a number (milliseconds since 1970 fit a double exactly).
 */
const LIBRARY_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser,
};

interface Limiter {
  consume(key: string): Promise<RateLimiterRes>;
}

interface ClassLimiter {
  policy: RateDecision['policy'];
  local: Limiter;
  shared?: Limiter;
}

const keyOf = (subject: string) => (subject.length <= MAX_SUBJECT_CHARS ? subject : `sha256:${createHash('sha256').update(subject).digest('base64url')}`);

const decisionOf = (policy: RateDecision['policy'], res: RateLimiterRes, allowed: boolean): RateDecision => ({
  allowed,
  policy,
  remaining: allowed ? res.remainingPoints : 0,
  // Rounded up, so that a client that waits `t` seconds finds the window over (Retry-After is made from it too).
  resetSeconds: Math.max(0, Math.ceil(res.msBeforeNext / 1000)),
});

/** The library resolves within budget and rejects with a RateLimiterRes over it; any other rejection is the store's. */
const draw = async (limiter: Limiter, key: string, policy: RateDecision['policy']): Promise<RateDecision> => {
  try {
    return decisionOf(policy, await limiter.consume(key), true);
  } catch (outcome) {
    if (outcome instanceof RateLimiterRes) return decisionOf(policy, outcome, false);
    throw outcome;
  }
};

const options = (cls: LimitClass, budgets: RateBudgets) => ({
  keyPrefix: cls,
  points: budgets[cls].quota,
  duration: budgets[cls].windowMs / 1000,
});

const openShared = async (budgets: RateBudgets, connectionString: string, logger: RateLimiterOptions['logger']) => {
  // Counters need not survive a crash (a budget window is seconds to minutes), so their commits do not wait for the
  // WAL flush: every request of a key updates the same row, and with the flush inside its lock 64 clients queued
  // on it (64 single-event clients: log-event 217/s at p50 280 ms; the in-memory store gave 481/s).
  const pool = new pg.Pool({
    connectionString,
    max: POOL_SIZE,
    connectionTimeoutMillis: STORE_TIMEOUT_MS,
    query_timeout: STORE_TIMEOUT_MS,
    application_name: 'threadline rate limiter',
    options: '-c synchronous_commit=off',
    types: LIBRARY_TYPES,
  });
  // An idle connection the server drops is reported here; unheard, it would end the process.
  pool.on('error', (err) => logger?.warn({ err }, 'rate-limit store connection lost'));
  const common = { storeClient: pool, storeType: 'pool', tableName: RATE_LIMIT_TABLE, clearExpiredByTimeout: false };
  try {
    // A throwaway limiter creates the table (IF NOT EXISTS; concurrent starts are handled by the library) once,
    // here, so that no request waits for it and the class limiters below are told it exists.
    await new Promise<void>((resolve, reject) => {
      new RateLimiterPostgres({ ...common, ...options('default', budgets) }, (err) => (err ? reject(err) : resolve()));
    });
  } catch (error) {
    await pool.end();
    throw new Error(`rate limiter: cannot create ${RATE_LIMIT_TABLE} in PostgreSQL`, { cause: error });
  }
  const limiters = Object.fromEntries(
    LIMIT_CLASSES.map((cls): [LimitClass, Limiter] => [cls, new RateLimiterPostgres({ ...common, tableCreated: true, ...options(cls, budgets) })]),
  ) as Record<LimitClass, Limiter>;
  const sweeper = setInterval(() => {
    pool.query(`DELETE FROM ${RATE_LIMIT_TABLE} WHERE expire < $1`, [Date.now() - CLEAR_AFTER_MS]).catch(() => undefined);
  }, CLEAR_EVERY_MS);
  sweeper.unref();
  return {
    limiters,
    close: async () => {
      clearInterval(sweeper);
      // pg refuses a second end(); closing twice (a shutdown racing a failed start) is not worth a crash.
      if (!pool.ended) await pool.end();
    },
  };
};

/**
 * One fixed-window limiter per route class, named by the class (the policy name in the RateLimit fields), keyed by
 * subject (`key:<id>`, `oauth:<sub>`, `ip:<address>`).
 *
 * When PostgreSQL does not answer, the request is counted against this process's in-memory budget of the same
 * shape instead, and the outage is logged once when it starts and once when it ends. Failing open would lift every
 * limit exactly when the database is under strain; failing closed would turn a rate-limiter outage into an outage
 * of the whole API. The in-memory fallback keeps every caller bounded (at most quota × processes per window) while
 * honest traffic carries on.
 */
export const createRateLimiter = async (opts: RateLimiterOptions): Promise<RateLimiter & { close(): Promise<void> }> => {
  const { budgets, backend, logger } = opts;
  for (const cls of LIMIT_CLASSES) {
    const { quota, windowMs } = budgets[cls];
    // A window of 0 means "never expires" to the library: a budget spent once would be spent for good.
    if (!Number.isInteger(quota) || quota < 0 || !Number.isFinite(windowMs) || windowMs < 1) throw new Error(`rate limiter: the ${cls} budget needs a whole quota ≥ 0 and a window ≥ 1 ms`);
  }
  const shared = backend.kind === 'postgres' ? await openShared(budgets, backend.connectionString, logger) : undefined;
  const classes = Object.fromEntries(
    LIMIT_CLASSES.map((cls): [LimitClass, ClassLimiter] => [
      cls,
      {
        // The RateLimit-Policy `w` is whole seconds (the draft has no sub-second windows): rounded up, a client
        // that paces itself by it stays within the budget.
        policy: { name: cls, quota: budgets[cls].quota, windowSeconds: Math.max(1, Math.ceil(budgets[cls].windowMs / 1000)) },
        local: new RateLimiterMemory(options(cls, budgets)),
        shared: shared?.limiters[cls],
      },
    ]),
  ) as Record<LimitClass, ClassLimiter>;

  let away = false;
  let retryAt = 0;
  let probing = false;

  return {
    async consume(subject, limit) {
      const { policy, local, shared: store } = classes[limit];
      const key = keyOf(subject);
      if (!store) return draw(local, key, policy);
      if (away && (probing || Date.now() < retryAt)) return draw(local, key, policy);
      const probe = away;
      if (probe) probing = true;
      try {
        const decision = await draw(store, key, policy);
        if (away) logger?.info({}, 'rate-limit store answers again: budgets are shared across processes again');
        away = false;
        return decision;
      } catch (error) {
        if (!away) logger?.warn({ err: error }, 'rate-limit store unavailable: counting budgets per process until it answers');
        away = true;
        retryAt = Date.now() + RETRY_STORE_MS;
        return draw(local, key, policy);
      } finally {
        if (probe) probing = false;
      }
    },
    close: async () => {
      await shared?.close();
    },
  };
};
