// A pg Client that prepares parameterised statements once per connection and reuses them by name.
import { createHash } from 'node:crypto';
import pg from 'pg';

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
        return (super.query as (...a: unknown[]) => never)({ name, text: config, values }, callback);
      }
    }
    return (super.query as (...a: unknown[]) => never)(...args);
  }
}
