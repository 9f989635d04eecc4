// What the PostgreSQL adapter (on a PostgreSQL server, and on embedded PGlite through its socket) does beyond the
// ports: commit-order visibility, connection hygiene, prepared statements, a warm pool.
import { isExpectedVersionConflictError } from '@event-driven-io/emmett';
import { describe, expect, it } from 'vitest';
import { MUST_NOT_EXIST, openStore } from '../../src/eventstore/index.ts';
import { poolOf } from '../../src/eventstore/postgres/index.ts';
import { storeTargets, useFreshStore } from '../helpers/test-stores.ts';

describe.each(storeTargets())('PostgreSQL adapter on $name', (target) => {
  const store = useFreshStore(target, (config) => openStore(config, 'vitest'));

  it.skipIf(target.name === 'pglite')('keeps the stable log free of holes while a writer is still running (PostgreSQL: PGlite has one session)', async () => {
    const slow = await poolOf(store()).connect();
    try {
      // A writer takes its transaction id first and commits last.
      await slow.query('BEGIN');
      await slow.query('SELECT pg_current_xact_id()');
      await store().eventStore.appendToStream('s-fast', [{ type: 'Fast', data: {} }]);
      const before = await store().log.read({ after: null, limit: 10_000, stable: true });
      expect(before.some((e) => e.streamId === 's-fast')).toBe(false);
      expect((await store().log.read({ after: null, limit: 10_000 })).some((e) => e.streamId === 's-fast')).toBe(true);
      await slow.query('COMMIT');
      // Visible once no older transaction runs anywhere on the server (other sessions may hold it back a while).
      const visible = async () => (await store().log.read({ after: null, limit: 10_000, stable: true })).some((e) => e.streamId === 's-fast');
      const deadline = Date.now() + 30_000;
      while (!(await visible()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await visible()).toBe(true);
    } finally {
      slow.release();
    }
  });

  it('leaves no pooled connection with a statement timeout (Emmett\'s migration sets one on its connection)', async () => {
    const pool = poolOf(store());
    const clients = await Promise.all(Array.from({ length: pool.options.max }, () => pool.connect()));
    try {
      const timeouts = await Promise.all(clients.map(async (c) => (await c.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0]!.statement_timeout));
      expect(timeouts).toEqual(clients.map(() => '0'));
    } finally {
      for (const c of clients) c.release();
    }
  });

  it('prepares parameterised statements once per connection, also after a reconnect (PGlite keeps its session)', async () => {
    const pool = poolOf(store());
    const ask = async () => (await pool.query<{ n: number }>('SELECT $1::int + 1 AS n', [41])).rows[0]!.n;
    expect(await ask()).toBe(42);
    const prepared = await pool.query<{ statement: string }>("SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%$1::int + 1%'");
    expect(prepared.rows).toHaveLength(1);
    // Drop the pooled connection; the next one must not collide with what the first prepared.
    const client = await pool.connect();
    client.release(true);
    expect(await ask()).toBe(42);
  });

  it('keeps its connections when appends fail on a conflict: a repeated request does not pay for a reconnect', async () => {
    const pool = poolOf(store());
    let opened = 0;
    const count = () => opened++;
    pool.on('connect', count);
    try {
      const created = { type: 'Created', data: {} };
      await store().eventStore.appendToStream('s-keep', [created], { expectedStreamVersion: MUST_NOT_EXIST });
      for (let i = 0; i < 3; i++) {
        await expect(store().eventStore.appendToStream('s-keep', [created], { expectedStreamVersion: MUST_NOT_EXIST })).rejects.toSatisfy(isExpectedVersionConflictError);
        expect(await store().appendAtomically!([{ streamName: 's-keep', events: [created], expectedStreamVersion: MUST_NOT_EXIST }])).toBe(false);
      }
      expect((await store().eventStore.readStream('s-keep')).events).toHaveLength(1);
      expect(opened).toBe(0);
    } finally {
      pool.off('connect', count);
    }
  });

  it('opens every pooled connection up front when asked (serve does, before it listens)', async () => {
    const pool = poolOf(store());
    expect(await store().warmUp()).toBe(pool.options.max);
    expect(pool.totalCount).toBe(pool.options.max);
    expect(pool.idleCount).toBe(pool.options.max);
    expect((await pool.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n).toBe(1);
  });
});
