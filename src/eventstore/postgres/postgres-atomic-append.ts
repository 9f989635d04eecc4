// Several streams in one transaction on Emmett's PostgreSQL schema: one round trip and one durable commit.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { stringifyJson } from '../lossless-json.ts';
import type { AppendAtomically, StreamAppend } from '../ports.ts';

const STALE = 'TL409';
const UNIQUE_VIOLATION = '23505';

/**
 * Calls Emmett's own append function once per stream, so versions, positions and transaction ids are exactly
 * what its appendToStream writes ('emt:default' is the partition its reads use). A stream that is not at its
 * expected version raises, which aborts the statement and with it every append before it.
 */
export const atomicAppendFunctionSql = `
CREATE OR REPLACE FUNCTION threadline_append_atomically(v_appends jsonb) RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  a jsonb;
  ok boolean;
BEGIN
  FOR a IN SELECT x FROM jsonb_array_elements(v_appends) WITH ORDINALITY AS t(x, n) ORDER BY n LOOP
    SELECT success INTO ok FROM emt_append_to_stream(
      ARRAY(SELECT e->>'id' FROM jsonb_array_elements(a->'events') WITH ORDINALITY AS t(e, n) ORDER BY n),
      ARRAY(SELECT e->'data' FROM jsonb_array_elements(a->'events') WITH ORDINALITY AS t(e, n) ORDER BY n),
      ARRAY(SELECT jsonb_build_object('messageId', e->>'id') FROM jsonb_array_elements(a->'events') WITH ORDINALITY AS t(e, n) ORDER BY n),
      ARRAY(SELECT '1'::text FROM jsonb_array_elements(a->'events')),
      ARRAY(SELECT e->>'type' FROM jsonb_array_elements(a->'events') WITH ORDINALITY AS t(e, n) ORDER BY n),
      ARRAY(SELECT 'E'::text FROM jsonb_array_elements(a->'events')),
      a->>'stream', a->>'stream_type', (a->>'expected')::bigint, 'emt:default');
    IF NOT ok THEN
      RAISE EXCEPTION 'stream % is not at version %', a->>'stream', a->>'expected' USING ERRCODE = '${STALE}';
    END IF;
  END LOOP;
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
    if (code === STALE || code === UNIQUE_VIOLATION) return false;
    throw error;
  } finally {
    // Released without the error (pool.query would pass it, closing the connection): a conflict leaves the
    // session idle, and pg-pool closes a connection that broke.
    client.release();
  }
};
