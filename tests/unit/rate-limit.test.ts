// Budget arithmetic of the in-memory limiter, on a clock the test moves (the library reads Date.now()).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRateLimiter, type RateBudgets } from '../../src/api/access/rate-limiter.ts';

const T0 = new Date('2025-03-01T12:00:00.000Z');

const budgets: RateBudgets = {
  default: { quota: 5, windowMs: 10_000 },
  guid: { quota: 3, windowMs: 10_000 },
  batch: { quota: 2, windowMs: 1_500 },
  export: { quota: 1, windowMs: 500 },
};

const memoryLimiter = (b: RateBudgets = budgets) => createRateLimiter({ budgets: b, backend: { kind: 'memory' } });

describe('rate limiter (memory)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('allows the quota, counting remaining down, then rejects until the window ends', async () => {
    const limiter = await memoryLimiter();
    const drawn = [];
    for (let i = 0; i < 6; i++) drawn.push(await limiter.consume('key:k1', 'default'));
    expect(drawn.map((d) => [d.allowed, d.remaining, d.resetSeconds])).toEqual([
      [true, 4, 10],
      [true, 3, 10],
      [true, 2, 10],
      [true, 1, 10],
      [true, 0, 10],
      [false, 0, 10],
    ]);
    expect(drawn[5]!.policy).toEqual({ name: 'default', quota: 5, windowSeconds: 10 });
    await limiter.close();
  });

  it('reads the reset from the clock, and the next window allows again', async () => {
    const limiter = await memoryLimiter();
    for (let i = 0; i < 5; i++) await limiter.consume('key:k1', 'default');
    // 3.5 s into a 10 s window: 6.5 s left, rounded up. On the real clock this would still say 10.
    vi.advanceTimersByTime(3_500);
    expect(await limiter.consume('key:k1', 'default')).toMatchObject({ allowed: false, remaining: 0, resetSeconds: 7 });
    vi.advanceTimersByTime(6_499);
    expect(await limiter.consume('key:k1', 'default')).toMatchObject({ allowed: false, resetSeconds: 1 });
    vi.advanceTimersByTime(1);
    expect(await limiter.consume('key:k1', 'default')).toMatchObject({ allowed: true, remaining: 4, resetSeconds: 10 });
    await limiter.close();
  });

  it('keeps the classes apart: spending one leaves the others whole', async () => {
    const limiter = await memoryLimiter();
    for (let i = 0; i < 3; i++) await limiter.consume('key:k1', 'guid');
    expect(await limiter.consume('key:k1', 'guid')).toMatchObject({ allowed: false, policy: { name: 'guid', quota: 3 } });
    expect(await limiter.consume('key:k1', 'default')).toMatchObject({ allowed: true, remaining: 4, policy: { name: 'default' } });
    expect(await limiter.consume('key:k1', 'batch')).toMatchObject({ allowed: true, remaining: 1, policy: { name: 'batch' } });
    await limiter.close();
  });

  it('keeps the subjects apart, however long', async () => {
    const limiter = await memoryLimiter();
    for (let i = 0; i < 3; i++) await limiter.consume('key:k1', 'guid');
    expect((await limiter.consume('key:k1', 'guid')).allowed).toBe(false);
    expect(await limiter.consume('key:k2', 'guid')).toMatchObject({ allowed: true, remaining: 2 });
    expect(await limiter.consume('ip:203.0.113.7', 'guid')).toMatchObject({ allowed: true, remaining: 2 });
    // Subjects past 200 characters are hashed (the PostgreSQL key is varchar(255)): two that share a long prefix
    // must still count apart.
    const long = `oauth:${'x'.repeat(250)}`;
    for (let i = 0; i < 3; i++) await limiter.consume(`${long}a`, 'guid');
    expect((await limiter.consume(`${long}a`, 'guid')).allowed).toBe(false);
    expect((await limiter.consume(`${long}b`, 'guid')).allowed).toBe(true);
    await limiter.close();
  });

  it('enforces windows that are not whole seconds, and advertises them rounded up to whole seconds', async () => {
    const limiter = await memoryLimiter();
    expect(await limiter.consume('key:k1', 'export')).toMatchObject({ allowed: true, remaining: 0, resetSeconds: 1, policy: { quota: 1, windowSeconds: 1 } });
    expect((await limiter.consume('key:k1', 'export')).allowed).toBe(false);
    vi.advanceTimersByTime(500);
    expect((await limiter.consume('key:k1', 'export')).allowed).toBe(true);

    await limiter.consume('key:k1', 'batch');
    vi.advanceTimersByTime(200);
    // 1.3 s of a 1.5 s window left: `t` rounds up, so a client that waits it out finds the window over.
    expect(await limiter.consume('key:k1', 'batch')).toMatchObject({ allowed: true, remaining: 0, resetSeconds: 2, policy: { windowSeconds: 2 } });
    expect(await limiter.consume('key:k1', 'batch')).toMatchObject({ allowed: false, resetSeconds: 2 });
    vi.advanceTimersByTime(1_300);
    expect((await limiter.consume('key:k1', 'batch')).allowed).toBe(true);
    await limiter.close();
  });

  it('refuses a budget with no window (the library would never expire it) or a fractional quota', async () => {
    await expect(memoryLimiter({ ...budgets, guid: { quota: 3, windowMs: 0 } })).rejects.toThrow(/guid budget/);
    await expect(memoryLimiter({ ...budgets, batch: { quota: 2.5, windowMs: 1000 } })).rejects.toThrow(/batch budget/);
  });
});
