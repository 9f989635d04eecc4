// Which process runs the TTL worker's look: a lease in a row (state, never dropped by a rebuild), not a transaction
// held across the look, which on PGlite's single connection would stall ingest. One look at a time saves the other
// processes the same reads; exactly-once does not depend on it (the stream and the event id see to that).
import { sql, type Kysely } from 'kysely';
import { claimRowLease, releaseRowLease } from '../runner/row-lease.ts';

const TABLE = 'threadline_worker_lease';
const LEASE = 'idle-expiry';

/** Creates the lease table once, serialised, so that two processes starting together do not race on CREATE. */
export const prepareIdleExpiryLease = (db: Kysely<unknown>): Promise<void> =>
  db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('threadline:idle-expiry-lease'))`.execute(trx);
    await sql`
      CREATE TABLE IF NOT EXISTS threadline_worker_lease (
        name text PRIMARY KEY,
        holder text,
        lease_until timestamptz
      )`.execute(trx);
    await sql`INSERT INTO threadline_worker_lease (name) VALUES (${LEASE}) ON CONFLICT (name) DO NOTHING`.execute(trx);
  });

/** Takes or renews the lease for `leaseMs`; false while another holder's runs (src/projections/runner/row-lease.ts). */
export const claimIdleExpiryLease = async (db: Kysely<unknown>, holder: string, leaseMs: number, force: boolean): Promise<boolean> =>
  (await claimRowLease(db, TABLE, LEASE, holder, leaseMs, force, 'name')) !== null;

/** Gives the lease up after a look, so whichever process looks next may take it at once. */
export const releaseIdleExpiryLease = (db: Kysely<unknown>, holder: string): Promise<void> => releaseRowLease(db, TABLE, LEASE, holder);
