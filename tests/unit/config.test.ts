import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../src/config.ts';

/** The variables named in the first column of README.md's configuration table. */
const documented = () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split(/^## Configuration$/m)[1]!.split(/^## /m)[0]!;
  return [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!);
};

describe('configuration', () => {
  it('documents every variable it reads in the README, and reads every variable the README documents', () => {
    const inReadme = documented().filter((v) => v !== 'TEST_DATABASE_URL');
    expect([...inReadme].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it('has a working default for every tunable', () => {
    const c = loadConfig({});
    expect(c.store).toMatchObject({ kind: 'pglite' });
    expect(c.http).toEqual({ bodyLimitBytes: 1024 * 1024, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, readYourWritesTimeoutMs: 5000, inFlight: { maxRequests: 64, maxEvents: 20_000 }, groupCommit: { maxEvents: 2000, maxFlushes: 4 } });
    expect(c.projections).toEqual({ batchSize: 2000, pollIntervalMs: 100, lingerMs: 20 });
    // Batches five times bigger on PostgreSQL, where no request waits for the one connection a batch holds.
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@h/db' }).projections.batchSize).toBe(10_000);
    expect(c.predictionModelMaxAgeMs).toBe(30_000);
    expect(c.maintenanceIntervalMs).toBe(600_000);
  });

  it('reads sizes and durations in the notations the README gives', () => {
    const c = loadConfig({
      THREADLINE_BODY_LIMIT: '512kb',
      THREADLINE_READ_YOUR_WRITES_TIMEOUT: '750ms',
      THREADLINE_PREDICTION_MODEL_MAX_AGE: '0',
      THREADLINE_PROJECTION_BATCH_SIZE: '50',
      THREADLINE_MAINTENANCE_INTERVAL: '1h',
      DATABASE_URL: 'postgresql://u@h/db',
      THREADLINE_CONNECT_TIMEOUT: '2.5s',
    });
    expect(c.http.bodyLimitBytes).toBe(512 * 1024);
    expect(c.http.readYourWritesTimeoutMs).toBe(750);
    expect(c.predictionModelMaxAgeMs).toBe(0);
    expect(c.projections.batchSize).toBe(50);
    expect(c.maintenanceIntervalMs).toBe(3_600_000);
    expect(c.store).toEqual({ kind: 'postgres', connectionString: 'postgresql://u@h/db', poolSize: 20, connectionTimeoutMs: 2500 });
  });

  it('refuses bad values at start-up, naming every bad variable, instead of failing at the first request', () => {
    const load = () => loadConfig({ THREADLINE_BODY_LIMIT: 'lots', THREADLINE_PROJECTION_LINGER: 'soon', PORT: '70000' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/THREADLINE_BODY_LIMIT: a size such as/);
    expect(load).toThrow(/THREADLINE_PROJECTION_LINGER: a duration/);
    expect(load).toThrow(/PORT/);
    expect(() => loadConfig({ THREADLINE_BODY_LIMIT: '1' })).toThrow(/between 1kb and 64mb/);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '' }).store.kind).toBe('pglite');
  });
});
