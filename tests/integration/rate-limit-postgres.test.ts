// Budgets in PostgreSQL: two limiters on one database, as two server processes have them, draw on one budget; when
// the database stops answering, each falls back to its own in-memory budget and says so once.
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRateLimiter, RATE_LIMIT_TABLE, type RateBudgets } from '../../src/api/access/rate-limiter.ts';
import { storeTargets } from '../helpers/test-stores.ts';

const target = storeTargets().find((t) => t.name === 'postgres');
const adminUrl = process.env['TEST_DATABASE_URL'] ?? process.env['DATABASE_URL'];

const budgets: RateBudgets = {
  default: { quota: 4, windowMs: 10_000 },
  guid: { quota: 5, windowMs: 10_000 },
  batch: { quota: 2, windowMs: 1_001 },
  export: { quota: 1, windowMs: 10_000 },
};

type Limiter = Awaited<ReturnType<typeof createRateLimiter>>;

// As in a server: the runtime reads int8 as BigInt process-wide (src/runtime.ts). The limiter must work with that.
pg.types.setTypeParser(20, (v: string) => BigInt(v));

const recordingLogger = () => {
  const lines: { level: 'warn' | 'info'; msg: string }[] = [];
  return { lines, warn: (_o: object, msg: string) => lines.push({ level: 'warn', msg }), info: (_o: object, msg: string) => lines.push({ level: 'info', msg }) };
};

const sql = async <T>(url: string | undefined, run: (c: pg.Client) => Promise<T>): Promise<T> => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await run(c);
  } finally {
    await c.end();
  }
};

it('fails at start, naming its table, when PostgreSQL cannot be reached (no request would find it missing)', async () => {
  const opening = createRateLimiter({ budgets, backend: { kind: 'postgres', connectionString: 'postgresql://postgres@127.0.0.1:1/none' } });
  await expect(opening).rejects.toThrow(`cannot create ${RATE_LIMIT_TABLE}`);
});

describe.skipIf(!target)('rate limits in PostgreSQL (skipped: set TEST_DATABASE_URL to run)', () => {
  let connectionString = '';
  let database = '';
  let cleanup: () => Promise<void> = async () => undefined;
  const open: Limiter[] = [];
  const limiter = async (logger?: ReturnType<typeof recordingLogger>) => {
    const l = await createRateLimiter({ budgets, backend: { kind: 'postgres', connectionString }, logger });
    open.push(l);
    return l;
  };

  beforeAll(async () => {
    const created = await target!.create();
    if (created.config.kind !== 'postgres') throw new Error('expected a PostgreSQL store');
    connectionString = created.config.connectionString;
    database = new URL(connectionString).pathname.slice(1);
    cleanup = created.cleanup;
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    for (const l of open) await l.close();
    await cleanup();
  });

  it('shares one budget between two processes, and both see the next window', async () => {
    // Only Date is faked: the driver's sockets and timers stay real. Both limiters read the same clock, as two
    // processes on synchronised hosts do.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-03-01T12:00:00.000Z'));
    const [a, b] = [await limiter(), await limiter()];
    const drawn = [await a.consume('key:shared', 'guid'), await b.consume('key:shared', 'guid'), await a.consume('key:shared', 'guid'), await b.consume('key:shared', 'guid'), await a.consume('key:shared', 'guid')];
    expect(drawn.map((d) => [d.allowed, d.remaining, d.resetSeconds])).toEqual([
      [true, 4, 10],
      [true, 3, 10],
      [true, 2, 10],
      [true, 1, 10],
      [true, 0, 10],
    ]);
    expect(await b.consume('key:shared', 'guid')).toMatchObject({ allowed: false, remaining: 0, resetSeconds: 10, policy: { name: 'guid', quota: 5, windowSeconds: 10 } });
    expect(await a.consume('key:shared', 'guid')).toMatchObject({ allowed: false });
    // Another subject and another class are untouched.
    expect(await b.consume('key:other', 'guid')).toMatchObject({ allowed: true, remaining: 4 });
    expect(await a.consume('key:shared', 'default')).toMatchObject({ allowed: true, remaining: 3 });

    vi.setSystemTime(new Date('2025-03-01T12:00:04.200Z'));
    expect(await a.consume('key:shared', 'guid')).toMatchObject({ allowed: false, resetSeconds: 6 });
    vi.setSystemTime(new Date('2025-03-01T12:00:10.000Z'));
    expect(await b.consume('key:shared', 'guid')).toMatchObject({ allowed: true, remaining: 4 });
    expect(await a.consume('key:shared', 'guid')).toMatchObject({ allowed: true, remaining: 3 });
  });

  it('shares a budget whose window is not whole seconds, in one row per class and subject', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-03-01T12:30:00.000Z'));
    const [a, b] = [await limiter(), await limiter()];
    expect(await a.consume('key:odd-window', 'batch')).toMatchObject({ allowed: true, remaining: 1 });
    expect(await a.consume('key:odd-window', 'batch')).toMatchObject({ allowed: true, remaining: 0 });
    // Had either fallen back to memory, b would still have the whole budget.
    // 1001 ms left on a frozen clock: `t` rounds up to 2, and `w` says 2 s.
    expect(await b.consume('key:odd-window', 'batch')).toMatchObject({ allowed: false, resetSeconds: 2, policy: { windowSeconds: 2 } });
    const rows = await sql(connectionString, (c) => c.query(`SELECT key, points FROM ${RATE_LIMIT_TABLE} WHERE key = 'batch:key:odd-window'`));
    expect(rows.rows).toEqual([{ key: 'batch:key:odd-window', points: 3 }]);
  });

  it('falls back to per-process budgets while PostgreSQL refuses connections, logging once, and shares again after', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-03-01T13:00:00.000Z'));
    const logger = recordingLogger();
    const a = await limiter(logger);
    expect(await a.consume('key:outage', 'default')).toMatchObject({ allowed: true, remaining: 3 });

    await sql(adminUrl, async (c) => {
      await c.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
    });
    try {
      // The fallback starts its own count: every caller stays bounded by the quota per window in this process.
      const during = [];
      for (let i = 0; i < 5; i++) during.push(await a.consume('key:outage', 'default'));
      expect(during.map((d) => [d.allowed, d.remaining])).toEqual([
        [true, 3],
        [true, 2],
        [true, 1],
        [true, 0],
        [false, 0],
      ]);
      expect(logger.lines.filter((l) => l.msg.startsWith('rate-limit store unavailable'))).toHaveLength(1);
    } finally {
      await sql(adminUrl, (c) => c.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`));
    }

    // The store is tried again a second later; the shared count (1 drawn before the outage) is back.
    vi.setSystemTime(new Date('2025-03-01T13:00:01.100Z'));
    expect(await a.consume('key:outage', 'default')).toMatchObject({ allowed: true, remaining: 2 });
    expect(logger.lines.map((l) => l.level)).toContain('info');
    expect(logger.lines.at(-1)!.msg).toMatch(/answers again/);
  });
});
