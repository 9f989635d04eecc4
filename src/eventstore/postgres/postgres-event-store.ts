// Emmett's PostgreSQL event store on a pool we own, plus what Threadline adds to its schema: the log-order
// index our global-log reader needs and the multi-stream append function.
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import type pg from 'pg';
import { atomicAppendFunctionSql } from './postgres-atomic-append.ts';

export const createPostgresEventStore = async (pool: pg.Pool, connectionString: string) => {
  const eventStore = getPostgreSQLEventStore(connectionString, {
    connectionOptions: { pool },
    schema: { autoMigration: 'None' },
  });
  await eventStore.schema.migrate();
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
