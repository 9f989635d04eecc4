// The stores every conformance suite runs against: embedded PGlite always, PostgreSQL when a URL is given.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import type { StoreConfig } from '../../src/eventstore/index.ts';

export interface StoreTarget {
  name: 'pglite' | 'postgres';
  /** A fresh, empty store configuration; `cleanup` removes it. */
  create(): Promise<{ config: StoreConfig; cleanup(): Promise<void> }>;
}

const postgresUrl = process.env['TEST_DATABASE_URL'] ?? process.env['DATABASE_URL'];

const pgliteTarget: StoreTarget = {
  name: 'pglite',
  async create() {
    const dataDir = mkdtempSync(join(tmpdir(), 'tl-test-'));
    return { config: { kind: 'pglite', dataDir }, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
  },
};

const postgresTarget = (url: string): StoreTarget => ({
  name: 'postgres',
  async create() {
    const name = `threadline_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const target = new URL(url);
    target.pathname = `/${name}`;
    return {
      config: { kind: 'postgres', connectionString: target.toString(), poolSize: 10 },
      cleanup: async () => {
        // Only ever drop what this helper created.
        if (!/^threadline_test_/.test(name)) throw new Error(`refusing to drop ${name}: not a test database`);
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  },
});

/** With CI=true a missing PostgreSQL URL is an error, not a silent skip. */
export const storeTargets = (): StoreTarget[] => {
  if (!postgresUrl) {
    if (process.env['CI'] === 'true') throw new Error('CI=true but neither TEST_DATABASE_URL nor DATABASE_URL is set: the PostgreSQL suites would be skipped');
    console.warn('PostgreSQL suites skipped: set TEST_DATABASE_URL (or DATABASE_URL) to run them');
    return [pgliteTarget];
  }
  return [pgliteTarget, postgresTarget(postgresUrl)];
};

/** Opens `open(config)` on a fresh store of `target` before the suite, closes and removes it after. */
export const useFreshStore = <T extends { close(): Promise<void> }>(target: StoreTarget, open: (config: StoreConfig) => Promise<T>): (() => T) => {
  let opened: T | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const created = await target.create();
    cleanup = created.cleanup;
    opened = await open(created.config);
  });
  afterAll(async () => {
    await opened?.close();
    await cleanup?.();
  });
  return () => opened!;
};
