// Emmett's PostgreSQL event store on a pool we own, with the log-order index our global-log reader needs.
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import type pg from 'pg';

export const createPostgresEventStore = async (pool: pg.Pool, connectionString: string) => {
  const eventStore = getPostgreSQLEventStore(connectionString, {
    connectionOptions: { pool },
    schema: { autoMigration: 'None' },
  });
  await eventStore.schema.migrate();
  await pool.query(
    'CREATE INDEX IF NOT EXISTS threadline_messages_log_order ON emt_messages (transaction_id, stream_id COLLATE "C", stream_position)',
  );
  return eventStore;
};
