// A projection's rows written as one JSON recordset come back exactly as given, on both stores: text with quotes,
// backslashes and escapes, arrays with NULL elements, exact integers beyond 2^53, instants, decimals; a taken key
// is left alone or updated as asked, and every row of a batch goes in one statement.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openRuntime } from '../../src/runtime.ts';
import { recordsetInsert, recordsetWriter, type ColumnTypes } from '../../src/projections/runner/recordset-writer.ts';
import { storeTargets, useFreshStore } from '../helpers/test-stores.ts';

interface Row {
  id: string;
  note: string | null;
  tags: (string | null)[];
  details: string | null;
  big: bigint;
  at: Date;
  amount: string | null;
  score: number;
  n: number;
  ok: boolean;
}

const COLUMNS: ColumnTypes<Row> = {
  id: 'text',
  note: 'text',
  tags: 'text[]',
  details: 'jsonb',
  big: 'bigint',
  at: 'timestamptz',
  amount: 'numeric',
  score: 'double precision',
  n: 'integer',
  ok: 'boolean',
};

const awkward = 'a "quoted" \\ back\\slash, {braces}, commas, \u00e9t\u00e9 \ud83d\ude97\nnew line\ttab';

const row = (id: string, over: Partial<Row> = {}): Row => ({
  id,
  note: awkward,
  tags: ['EMAIL', 'x"y', 'a\\b', null, '{}', ''],
  details: '{"message_id": 1234567890123456789012, "nested": {"s": "9007199254740993"}}',
  big: 9_223_372_036_854_775_807n,
  at: new Date('2024-12-07T10:00:00.123Z'),
  amount: '1234.56',
  score: 0.1 + 0.2,
  n: -7,
  ok: true,
  ...over,
});

describe.each(storeTargets())('writing a recordset on $name', (target) => {
  const rt = useFreshStore(target, (config) => openRuntime(config, 'vitest'));

  const table = async (name: string) => {
    const db = rt().store.readModels;
    await sql
      .raw(
        `DROP TABLE IF EXISTS ${name}; CREATE TABLE ${name} (id text PRIMARY KEY, note text, tags text[] NOT NULL, details jsonb, big bigint NOT NULL, at timestamptz NOT NULL, amount numeric(14, 2), score double precision NOT NULL, n integer NOT NULL, ok boolean NOT NULL)`,
      )
      .execute(db);
    return db;
  };

  const read = async (name: string) => {
    const { rows } = await sql<Record<string, unknown>>`SELECT id, note, tags, details::text AS details, big::text AS big, at, amount::text AS amount, score, n, ok FROM ${sql.table(name)} ORDER BY id`.execute(rt().store.readModels);
    return rows;
  };

  it('stores every cell exactly: escapes, NULL array elements, integers beyond 2^53, instants and decimals', async () => {
    const db = await table('rs_exact');
    await recordsetWriter<Row>('rs_exact', COLUMNS)(db, [row('a'), row('b', { note: null, details: null, amount: null, tags: [] })]);
    const [a, b] = await read('rs_exact');
    expect(a).toEqual({
      id: 'a',
      note: awkward,
      tags: ['EMAIL', 'x"y', 'a\\b', null, '{}', ''],
      details: '{"nested": {"s": "9007199254740993"}, "message_id": 1234567890123456789012}',
      big: '9223372036854775807',
      at: new Date('2024-12-07T10:00:00.123Z'),
      amount: '1234.56',
      score: 0.1 + 0.2,
      n: -7,
      ok: true,
    });
    expect(b).toMatchObject({ id: 'b', note: null, details: null, amount: null, tags: [] });
  });

  it('leaves a taken key alone, or updates every other column, as asked', async () => {
    const db = await table('rs_conflict');
    await recordsetWriter<Row>('rs_conflict', COLUMNS)(db, [row('a', { n: 1 })]);
    await recordsetWriter<Row>('rs_conflict', COLUMNS, { keys: ['id'], update: false })(db, [row('a', { n: 2 }), row('b', { n: 3 })]);
    expect((await read('rs_conflict')).map((r) => [r['id'], r['n']])).toEqual([['a', 1], ['b', 3]]);
    await recordsetWriter<Row>('rs_conflict', COLUMNS, { keys: ['id'], update: true })(db, [row('a', { n: 4, note: 'new', tags: ['SMS'] })]);
    expect(await read('rs_conflict')).toEqual([expect.objectContaining({ id: 'a', n: 4, note: 'new', tags: ['SMS'] }), expect.objectContaining({ id: 'b', n: 3 })]);
  });

  it('writes 20,000 rows at once, and nothing for none', async () => {
    const db = await table('rs_many');
    const write = recordsetWriter<Row>('rs_many', COLUMNS);
    await write(db, []);
    await write(db, Array.from({ length: 20_000 }, (_, i) => row(`r${String(i).padStart(5, '0')}`, { n: i })));
    const { rows } = await sql<{ count: string; total: string }>`SELECT count(*)::text AS count, sum(n)::text AS total FROM rs_many`.execute(db);
    expect(rows[0]).toEqual({ count: '20000', total: String((19_999 * 20_000) / 2) });
  });

  it('refuses a bad cell with the database error, storing none of the rows', async () => {
    const db = await table('rs_bad');
    await expect(recordsetWriter<Row>('rs_bad', COLUMNS)(db, [row('a'), row('b', { details: '{not json' })])).rejects.toThrow(/json/i);
    expect(await read('rs_bad')).toEqual([]);
  });
});

it('names every column once in a constant statement text, whatever the rows', () => {
  const text = recordsetInsert('t', { guid: 'text', state: 'text', shares: 'jsonb' }, { keys: ['guid'], update: true });
  expect(text).toBe(
    'INSERT INTO "t" ("guid", "state", "shares") SELECT t."guid", t."state", t."shares"::jsonb FROM json_to_recordset($1::json) AS t("guid" text, "state" text, "shares" text) ON CONFLICT ("guid") DO UPDATE SET "state" = excluded."state", "shares" = excluded."shares"',
  );
});
