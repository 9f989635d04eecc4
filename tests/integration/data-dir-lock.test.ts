// The embedded store's lock: one process per data directory, and a lock left behind on another host clears itself.
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir } from '../../src/eventstore/pglite/data-dir-lock.ts';

describe('data-directory lock', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'tl-lock-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  const foreign = (d: string, ageMs: number) => {
    const file = join(d, 'threadline.lock');
    writeFileSync(file, JSON.stringify({ pid: 1, command: 'threadline serve', hostname: 'old-container-7f3a', started_at: '2026-11-30T08:00:00.000Z' }));
    const t = new Date(Date.now() - ageMs);
    utimesSync(file, t, t);
  };

  it('refuses a second holder and says how to clear the lock', () => {
    const d = dir();
    const release = lockDataDir(d, 'first');
    expect(() => lockDataDir(d, 'second')).toThrow(DataDirLockedError);
    expect(() => lockDataDir(d, 'second')).toThrow(/in use by process \d+ \(first.*delete .*threadline\.lock/);
    release();
    lockDataDir(d, 'second')();
  });

  it('keeps a lock another host touched lately, and takes over one it left behind', () => {
    const live = dir();
    foreign(live, 5_000);
    expect(() => lockDataDir(live, 'me')).toThrow(/old-container-7f3a.*taken over by itself once it is 60 s old/);
    const stale = dir();
    foreign(stale, 120_000);
    const release = lockDataDir(stale, 'me');
    expect(() => lockDataDir(stale, 'again')).toThrow(/\(me,/);
    release();
  });
});
