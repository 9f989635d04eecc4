// The embedded store syncs its commits to disk: PGlite's own defaults (fsync off, a no-op fsync) would not.
import { poolOf } from '../../src/eventstore/postgres/index.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/eventstore/index.ts';
import { openDurablePglite } from '../../src/eventstore/pglite/durable-node-fs.mjs';

describe('embedded store durability', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'tl-durable-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('fsyncs the WAL file at every commit', async () => {
    const { db, fs } = await openDurablePglite(tempDir());
    try {
      expect((await db.query<{ fsync: string }>('SHOW fsync')).rows[0]!.fsync).toBe('on');
      await db.exec('CREATE TABLE t (id serial PRIMARY KEY, v text)');
      const before = fs.syncs;
      for (let i = 0; i < 20; i++) await db.query('INSERT INTO t (v) VALUES ($1)', [`v${i}`]);
      expect(fs.syncs - before).toBeGreaterThanOrEqual(20);
      // A read-only statement commits nothing and syncs nothing.
      const idle = fs.syncs;
      await db.query('SELECT count(*) FROM t');
      expect(fs.syncs).toBe(idle);
      // A checkpoint syncs the data files it wrote.
      await db.exec('CHECKPOINT');
      expect(fs.syncs).toBeGreaterThan(idle);
    } finally {
      await db.close();
    }
  });

  it('runs the embedded event store with fsync on', async () => {
    const store = await openStore({ kind: 'pglite', dataDir: tempDir() }, 'vitest');
    try {
      const { rows } = await poolOf(store).query<{ fsync: string; wal_sync_method: string }>(
        "SELECT current_setting('fsync') AS fsync, current_setting('wal_sync_method') AS wal_sync_method",
      );
      expect(rows[0]).toEqual({ fsync: 'on', wal_sync_method: 'fsync' });
    } finally {
      await store.close();
    }
  });
});
