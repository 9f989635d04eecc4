// A pg Client that prepares parameterised statements once per connection and reuses them by name.
import { createHash } from 'node:crypto';
import pg from 'pg';
import { wrapPgError } from './postgres-errors.ts';

/**
 * Distinct statements one connection prepares at most. Statement texts come from code (Kysely, our SQL), so
 * there are few shapes; the bound only keeps a text that varies per call (an IN list of every length, say)
 * from growing the server's memory without limit. Past it, statements are parsed and planned per call again.
 */
const MAX_PREPARED = 500;
/**
 * Only small statements are prepared: planning is a large share of their cost, while a multi-row insert of
 * hundreds of rows amortises it, and would hold a large plan per distinct row count.
 */
const MAX_PARAMETERS = 100;

const statementName = (text: string) => `tl_${createHash('sha1').update(text).digest('base64url')}`;

/**
 * Parsing and planning is most of a small query's cost in embedded PGlite (a projection batch of one event:
 * 11.6 ms unprepared, 6.1 ms prepared). Only calls with parameters are prepared: a text without them is
 * either DDL or has its values inlined (Emmett's appends), and would never be reused.
 */
export class PreparingClient extends pg.Client {
  private readonly prepared = new Set<string>();

  /**
   * Starts from no prepared statements: an embedded PGlite session outlives its connections, and statements an
   * earlier connection prepared would collide by name. On a PostgreSQL server it is a no-op.
   */
  override connect(...args: unknown[]): never {
    const callback = args[0] as ((error: Error | null) => void) | undefined;
    const connected = (super.connect() as Promise<unknown>).then(() => super.query('DEALLOCATE ALL')).then(() => undefined);
    if (!callback) return connected as never;
    connected.then(() => callback(null), (error: Error) => callback(error));
    return undefined as never;
  }

  override query(...args: unknown[]): never {
    const [config, values, callback] = args;
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0 && values.length <= MAX_PARAMETERS) {
      const name = statementName(config);
      if (this.prepared.has(name) || this.prepared.size < MAX_PREPARED) {
        this.prepared.add(name);
        return wrapErrors((super.query as (...a: unknown[]) => never).bind(this), [{ name, text: config, values }, callback]);
      }
    }
    return wrapErrors((super.query as (...a: unknown[]) => never).bind(this), args);
  }
}

/** Calls `query` with its errors classified (wrapPgError), in its callback or promise form alike. */
const wrapErrors = (query: (...a: unknown[]) => never, args: unknown[]): never => {
  const last = args.findLastIndex((a) => a !== undefined);
  const callback = args[last];
  if (typeof callback === 'function') {
    const wrapped = [...args];
    wrapped[last] = (error: unknown, result: unknown) => (callback as (e: unknown, r: unknown) => void)(error ? wrapPgError(error) : error, result);
    return query(...wrapped);
  }
  const result = query(...args) as unknown;
  if (result && typeof (result as Promise<unknown>).then === 'function' && typeof (result as { submit?: unknown }).submit !== 'function') {
    return (result as Promise<unknown>).catch((error: unknown) => {
      throw wrapPgError(error);
    }) as never;
  }
  return result as never;
};

type ConnectCallback = (error: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void;

/** A pool whose connection failures (refused, timed out waiting for a connection) are classified like query errors. */
export class StorePool extends pg.Pool {
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    if (callback) return super.connect((error, client, done) => callback(error ? (wrapPgError(error) as Error) : error, client, done));
    return super.connect().catch((error: unknown) => {
      throw wrapPgError(error);
    });
  }
}
