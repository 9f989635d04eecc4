// Emmett's PostgreSQL event store on a pool we own, plus what Threadline adds to its schema: the log-order
// index our global-log reader needs and the multi-stream append function.
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { atomicAppendFunctionSql } from './postgres-atomic-append.ts';

const storeOn = (pool: pg.Pool, connectionString: string) =>
  getPostgreSQLEventStore(connectionString, { connectionOptions: { pool }, schema: { autoMigration: 'None' } });

/**
 * Emmett's migration takes its advisory lock after a session-level `SET statement_timeout = 10000` (in dumbo) that
 * stays on the connection. Run on the shared pool, it left one pooled connection cancelling anything over 10 s
 * (ANALYZE, a rebuild, a big attribution query). It runs on a connection of its own, closed afterwards.
 */
const migrateEmmettSchema = async (connectionString: string) => {
  const migrationPool = new pg.Pool({ connectionString, max: 1 });
  migrationPool.on('error', () => {});
  try {
    await storeOn(migrationPool, connectionString).schema.migrate();
  } finally {
    await migrationPool.end();
  }
};

export const createPostgresEventStore = async (pool: pg.Pool, connectionString: string) => {
  await migrateEmmettSchema(connectionString);
  // PGlite is one session behind every connection: there the setting outlives the migration's connection.
  await pool.query('RESET statement_timeout');
  const eventStore = storeOn(pool, connectionString);
  const client = await pool.connect();
  try {
    // Processes starting together would race on the catalogue; the lock makes them take turns.
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('threadline:event-store-schema'))");
    await client.query(
      'CREATE INDEX IF NOT EXISTS threadline_messages_log_order ON emt_messages (transaction_id, stream_id COLLATE "C", stream_position)',
    );
    await client.query(atomicAppendFunctionSql);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  return eventStore;
};
