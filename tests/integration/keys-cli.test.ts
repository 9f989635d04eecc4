// `threadline keys` as a user runs it: a key printed once, listed by prefix only, usable at once, revoked; every
// change in the audit trail.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/api/access/index.ts';
import type { StoreConfig } from '../../src/eventstore/index.ts';
import { openRuntime } from '../../src/runtime.ts';
import { query } from '../helpers/sql.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const run = promisify(execFile);

// One target is enough for the command itself (the key tables are the same SQL on both stores): PostgreSQL when
// there is one, since every command is a process that opens the store (the embedded one takes seconds to start).
const target = storeTargets().at(-1)!;

const envOf = (c: StoreConfig): Record<string, string> => (c.kind === 'pglite' ? { THREADLINE_DATA_DIR: c.dataDir, DATABASE_URL: '' } : { DATABASE_URL: c.connectionString });

describe(`threadline keys on ${target.name}`, () => {
  let config: StoreConfig;
  let cleanup: () => Promise<void>;
  const keys = (args: string[]) =>
    run('node', ['bin/threadline.js', 'keys', ...args], { env: { ...process.env, ...envOf(config) }, timeout: 120_000 }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  const authenticate = async (key: string) => {
    const rt = await openRuntime(config, 'vitest');
    const auth = createAuthenticator(rt.store.readModels, { adminSecret: null, oauth: null, keyCacheTtlMs: 0 });
    try {
      return await auth.authenticate(`Bearer ${key}`);
    } finally {
      await auth.close();
      await rt.close();
    }
  };

  beforeAll(async () => {
    ({ config, cleanup } = await target.create());
  });
  afterAll(async () => cleanup?.());

  it('makes, lists and revokes a key, and audits each change', { timeout: 240_000 }, async () => {
    const made = await keys(['create', '--role', 'channel', '--dealers', 'DET001,DET002', '--name', 'SMS gateway']);
    expect(made.code, made.stderr).toBe(0);
    const key = made.stdout.trim();
    expect(key).toMatch(/^tl_live_[0-9A-Za-z]{28}$/);
    const auth = await authenticate(key);
    expect(auth).toMatchObject({ ok: true, principal: { via: 'key', role: 'channel', dealers: ['DET001', 'DET002'] } });

    const listed = await keys(['list']);
    expect(listed.stdout).toContain(key.slice(0, 12));
    expect(listed.stdout).not.toContain(key);
    expect(listed.stdout).toContain('dealers=DET001,DET002');
    const id = /(key_[0-9a-f]{16})/.exec(listed.stdout)![1]!;

    const revoked = await keys(['revoke', id, '--reason', 'gateway replaced']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(await authenticate(key)).toMatchObject({ ok: false, reason: expect.stringMatching(/revoked/) });

    const bad = await keys(['create', '--role', 'owner', '--dealers', 'all']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--role: one of admin, channel, dealer, analyst, auditor');

    const rt = await openRuntime(config, 'vitest');
    try {
      const { rows } = await query(rt.store, 'SELECT source, action, objects, reason FROM threadline_audit ORDER BY seq');
      expect(rows.map((r) => [r.source, r.action])).toEqual([
        ['cli', 'keys create'],
        ['cli', 'keys revoke'],
      ]);
      expect(rows[1].objects).toEqual([id]);
      expect(rows[1].reason).toBe('gateway replaced');
    } finally {
      await rt.close();
    }
  });
});
