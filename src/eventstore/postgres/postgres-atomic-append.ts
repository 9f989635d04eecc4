// Several streams in one transaction on Emmett's PostgreSQL schema: one round trip and one durable commit.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { stringifyJson } from '../lossless-json.ts';
import type { AppendAtomically, StreamAppend } from '../ports.ts';

const STALE = 'TL409';
const UNIQUE_VIOLATION = '23505';
// Two processes updating the same streams in different orders: one loses, and deciding again settles it.
const DEADLOCK = '40P01';

/**
 * Writes exactly the rows Emmett's own emt_append_to_stream writes (versions, positions, metadata, transaction id;
 * 'emt:default' is the partition its reads use), but set-wise: one UPDATE of the streams that exist, one INSERT of
 * the new ones and one INSERT of every message, instead of two statements per stream. A flush of 1,000 events over
 * 1,000 journeys was 2,000 statements in PL/pgSQL; now it is three. A stream that is not at its expected version
 * raises, which aborts the statement and with it everything before it; a new stream that exists already fails the
 * streams table's unique key.
 */
export const atomicAppendFunctionSql = `
CREATE OR REPLACE FUNCTION threadline_append_atomically(v_appends jsonb) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  v_transaction_id xid8 := pg_current_xact_id();
  v_existing int;
  v_moved int;
BEGIN
  SELECT count(*) INTO v_existing FROM jsonb_array_elements(v_appends) AS a(x) WHERE (a.x->>'expected')::bigint > 0;
  IF v_existing > 0 THEN
    UPDATE emt_streams AS s
       SET stream_position = a.expected + a.n
      FROM (SELECT x->>'stream' AS stream_id, (x->>'expected')::bigint AS expected, jsonb_array_length(x->'events') AS n
              FROM jsonb_array_elements(v_appends) AS t(x)) AS a
     WHERE a.expected > 0 AND s.stream_id = a.stream_id AND s.stream_position = a.expected
       AND s.partition = 'emt:default' AND s.is_archived = FALSE;
    GET DIAGNOSTICS v_moved = ROW_COUNT;
    IF v_moved <> v_existing THEN
      RAISE EXCEPTION '% of % streams are not at their expected version', v_existing - v_moved, v_existing USING ERRCODE = '${STALE}';
    END IF;
  END IF;
  INSERT INTO emt_streams (stream_id, stream_position, partition, stream_type, stream_metadata, is_archived)
  SELECT x->>'stream', jsonb_array_length(x->'events'), 'emt:default', x->>'stream_type', '{}', FALSE
    FROM jsonb_array_elements(v_appends) AS t(x)
   WHERE (x->>'expected')::bigint = 0;
  -- In the order given, so global positions follow each stream's positions (a stream's events are consecutive).
  INSERT INTO emt_messages (stream_id, stream_position, partition, message_data, message_metadata, message_schema_version, message_type, message_kind, message_id, transaction_id)
  SELECT a.x->>'stream', (a.x->>'expected')::bigint + e.k, 'emt:default', e.ev->'data', '{}', '1', e.ev->>'type', 'E', e.ev->>'id', v_transaction_id
    FROM jsonb_array_elements(v_appends) WITH ORDINALITY AS a(x, n)
   CROSS JOIN LATERAL jsonb_array_elements(a.x->'events') WITH ORDINALITY AS e(ev, k)
   ORDER BY a.n, e.k;
END;
$fn$`;

// Emmett's stream type: the name's first dash-separated part.
const streamTypeOf = (streamName: string) => {
  const [type, ...rest] = streamName.split('-');
  return type && rest.length > 0 ? type : 'emt:unknown';
};

const toJson = (appends: StreamAppend[]) =>
  stringifyJson(
    appends.map((a) => ({
      stream: a.streamName,
      stream_type: streamTypeOf(a.streamName),
      expected: a.expectedStreamVersion.toString(),
      events: a.events.map((e) => ({ id: randomUUID(), type: e.type, data: e.data })),
    })),
  );

export const createPostgresAtomicAppend = (pool: pg.Pool): AppendAtomically => async (appends) => {
  const client = await pool.connect();
  try {
    // One statement outside an explicit transaction: PostgreSQL commits it, or none of it, on its own.
    await client.query('SELECT threadline_append_atomically($1::jsonb)', [toJson(appends)]);
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    // A stream created at version 0 that exists already fails the streams table's unique key.
    if (code === STALE || code === UNIQUE_VIOLATION || code === DEADLOCK) return false;
    throw error;
  } finally {
    // Released without the error (pool.query would pass it, closing the connection): a conflict leaves the
    // session idle, and pg-pool closes a connection that broke.
    client.release();
  }
};
