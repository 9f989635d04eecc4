// Global-log reader over Emmett's emt_messages table (PostgreSQL and embedded PGlite alike).
import type pg from 'pg';
import type { GlobalLogReader, LoggedEvent, LogPosition, ReadLogOptions } from '../global-log.ts';

interface Row {
  transaction_id: string;
  global_position: string;
  stream_id: string;
  stream_position: string;
  message_type: string;
  message_data: Record<string, unknown>;
  created: Date;
}

const toEvent = (r: Row): LoggedEvent => ({
  position: {
    transactionId: BigInt(r.transaction_id),
    streamId: r.stream_id,
    streamPosition: BigInt(r.stream_position),
    globalPosition: BigInt(r.global_position),
  },
  streamId: r.stream_id,
  streamPosition: BigInt(r.stream_position),
  type: r.message_type,
  data: r.message_data,
  recordedAt: r.created,
});

/** `pool` may also be one client inside a transaction, so that a projection reads and writes in one snapshot. */
export const createPostgresGlobalLog = (pool: pg.Pool | pg.PoolClient): GlobalLogReader => ({
  async read({ after, limit, streamId, recordedFrom, recordedTo, stable = false }: ReadLogOptions): Promise<LoggedEvent[]> {
    // One stream's events in its own order: a walk of the stream's primary key, as fast at event 60,000 as at 1.
    const oneStream = streamId !== undefined && !stable;
    const params: unknown[] = [limit];
    const where = ['is_archived = FALSE'];
    if (oneStream) {
      params.push(streamId, (after?.streamPosition ?? 0n).toString());
      where.push('stream_id = $2', 'stream_position > $3::bigint');
    }
    if (stable) where.push('transaction_id < pg_snapshot_xmin(pg_current_snapshot())');
    if (after && !oneStream) {
      params.push(after.transactionId.toString(), after.streamId, after.streamPosition.toString());
      const n = params.length;
      // Byte order (COLLATE "C") for stream ids, so that SQL and comparePositions agree.
      where.push(`(transaction_id, stream_id COLLATE "C", stream_position) > ($${n - 2}::xid8, $${n - 1}::text COLLATE "C", $${n}::bigint)`);
    }
    if (streamId !== undefined && !oneStream) {
      params.push(streamId);
      where.push(`stream_id = $${params.length}`);
    }
    if (recordedFrom) {
      params.push(recordedFrom);
      where.push(`created >= $${params.length}`);
    }
    if (recordedTo) {
      params.push(recordedTo);
      where.push(`created < $${params.length}`);
    }
    const { rows } = await pool.query<Row>(
      `SELECT transaction_id::text, global_position::text, stream_id, stream_position::text, message_type, message_data, created
         FROM emt_messages WHERE ${where.join(' AND ')}
        ORDER BY ${oneStream ? 'emt_messages.stream_position' : 'emt_messages.transaction_id, emt_messages.stream_id COLLATE "C", emt_messages.stream_position'} LIMIT $1`,
      params,
    );
    return rows.map(toEvent);
  },

  async streamHead(streamId: string): Promise<LogPosition | null> {
    const { rows } = await pool.query<{ transaction_id: string; global_position: string; stream_position: string }>(
      `SELECT transaction_id::text, global_position::text, stream_position::text FROM emt_messages
        WHERE stream_id = $1 AND is_archived = FALSE
        ORDER BY emt_messages.stream_position DESC LIMIT 1`,
      [streamId],
    );
    const r = rows[0];
    return r
      ? { transactionId: BigInt(r.transaction_id), streamId, streamPosition: BigInt(r.stream_position), globalPosition: BigInt(r.global_position) }
      : null;
  },
});
