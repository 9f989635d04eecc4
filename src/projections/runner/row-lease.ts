// Which process runs a singleton worker: a lease in a row (`holder`, `lease_until`, database time), not a transaction
// held across the work, which on PGlite's single connection would stall ingest. The table is the worker's own.
import { sql, type Kysely } from 'kysely';

const until = (leaseMs: number) => sql`now() + make_interval(secs => ${leaseMs / 1000}::double precision)`;

/**
 * Takes or renews the lease of row `name` for `leaseMs` and answers the row's `returning` columns; no row while
 * another holder's lease runs. `force`: take it anyway (a single-process store, where a lease left behind can only be
 * this process's crashed predecessor's).
 */
export const claimRowLease = async <R extends Record<string, unknown>>(
  db: Kysely<unknown>,
  table: string,
  name: string,
  holder: string,
  leaseMs: number,
  force: boolean,
  returning: string,
): Promise<R | null> => {
  const { rows } = await sql<R>`
    UPDATE ${sql.table(table)}
       SET holder = ${holder}, lease_until = ${until(leaseMs)}
     WHERE name = ${name} AND (${force}::boolean OR holder IS NULL OR holder = ${holder} OR lease_until < now())
    RETURNING ${sql.raw(returning)}`.execute(db);
  return rows[0] ?? null;
};

/** The lease's new end, for an UPDATE that renews it while it moves the row on. */
export const renewedLease = until;

/** Gives the lease up, so whichever process comes next may take it at once. */
export const releaseRowLease = async (db: Kysely<unknown>, table: string, name: string, holder: string): Promise<void> => {
  await sql`UPDATE ${sql.table(table)} SET holder = NULL, lease_until = NULL WHERE name = ${name} AND holder = ${holder}`.execute(db);
};
