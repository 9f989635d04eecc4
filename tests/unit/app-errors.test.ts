// Infrastructure failures map to 503 with Retry-After; bugs to a 500 that hides internals. The HTTP layer reads
// only the error's code: the adapter classifies its driver's errors once (checked below against pg's).
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/http/app.ts';
import type { AppDeps } from '../../src/api/http/deps.ts';
import { StoreSchemaError, StoreUnavailableError } from '../../src/eventstore/index.ts';
import { wrapPgError } from '../../src/eventstore/postgres/postgres-errors.ts';
import { testAppConfig } from '../helpers/test-app.ts';

const appFailingWith = async (error: Error) => {
  const failing = async () => {
    throw error;
  };
  // A unit-level stand-in: only the failure path is exercised, never a stored event.
  const deps = {
    store: { kind: 'postgres', eventStore: { aggregateStream: failing, readStream: failing, appendToStream: failing, streamExists: failing } },
    db: {},
    projections: { waitForStream: async () => true, status: () => [] },
    config: testAppConfig(),
    // Every request is the admin, within budget: only the store's failure paths are exercised here.
    access: {
      authenticator: { authenticate: async () => ({ ok: true, principal: { via: 'admin_secret', id: 'admin', label: 'admin secret', role: 'admin', dealers: 'all' } }) },
      rateLimiter: { consume: async () => ({ allowed: true, policy: { name: 'default', quota: 1, windowSeconds: 1 }, remaining: 1, resetSeconds: 1 }) },
      audit: { record: () => {} },
      corsOrigins: [],
    },
    logger: pino({ level: 'silent' }),
  } as unknown as AppDeps;
  const server = buildApp(deps).listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2/tracking/log-event`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ guid: 'FORD-2024-12-07-BAT-CRT-DET001-A7B9C2', event_type: 'EMAIL_SENT', channel: 'EMAIL' }),
  });
  server.close();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { code: string; detail: string } };
};

describe('error mapping', () => {
  it('answers 503 with Retry-After when the pool is exhausted or the database is gone', async () => {
    const timeout = await appFailingWith(wrapPgError(new Error('timeout exceeded when trying to connect')) as Error);
    expect(timeout).toMatchObject({ status: 503, retryAfter: '1', body: { code: 'store_unavailable' } });
    const refused = await appFailingWith(wrapPgError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })) as Error);
    expect(refused.status).toBe(503);
    // A driver's message that reaches the HTTP layer unclassified is no reason to tell the client to retry.
    expect((await appFailingWith(new Error('timeout exceeded when trying to connect'))).status).toBe(500);
  });

  it("classifies pg's errors once, at the adapter, with the original as cause", () => {
    const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });
    for (const e of [pgError('57P01', 'terminating connection due to administrator command'), pgError('53300'), pgError('08006'), pgError('40001'), pgError('ECONNREFUSED'), new Error('Connection terminated unexpectedly')]) {
      const wrapped = wrapPgError(e);
      expect(wrapped).toBeInstanceOf(StoreUnavailableError);
      expect((wrapped as Error).cause).toBe(e);
    }
    expect(wrapPgError(pgError('42P01', 'relation "x" does not exist'))).toBeInstanceOf(StoreSchemaError);
    const constraint = pgError('23505');
    expect(wrapPgError(constraint)).toBe(constraint);
  });

  it('answers 500 without internals for a bug', async () => {
    const bug = await appFailingWith(new TypeError('x is undefined at secret.ts:12'));
    expect(bug.status).toBe(500);
    expect(bug.body.code).toBe('internal_error');
    expect(bug.body.detail).not.toContain('secret');
  });
});
