// The embedded store's projection batches take turns and let other users of its one connection go first, for a while.
import { describe, expect, it } from 'vitest';
import { createYieldingGate } from '../../src/workers/batch-gate.ts';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('yielding batch gate', () => {
  it('runs one batch at a time, in the order asked', async () => {
    const gate = createYieldingGate(() => false);
    const log: string[] = [];
    let running = 0;
    const batch = (name: string, ms: number) =>
      gate(async () => {
        running++;
        expect(running).toBe(1);
        log.push(`${name} start`);
        await tick(ms);
        log.push(`${name} end`);
        running--;
        return name;
      });
    expect(await Promise.all([batch('a', 20), batch('b', 1), batch('c', 5)])).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('waits while the connection is busy, and starts as soon as it is free', async () => {
    let busy = true;
    const gate = createYieldingGate(() => busy, 5000);
    let started = false;
    const done = gate(async () => {
      started = true;
    });
    await tick(30);
    expect(started).toBe(false);
    busy = false;
    await done;
    expect(started).toBe(true);
  });

  it('takes its turn anyway once it has waited its longest, so the read models never stall', async () => {
    const gate = createYieldingGate(() => true, 40);
    const t0 = performance.now();
    await gate(async () => {});
    expect(performance.now() - t0).toBeGreaterThanOrEqual(35);
  });

  it('passes a failing batch on and lets the next one run', async () => {
    const gate = createYieldingGate(() => false);
    const failed = gate(async () => {
      throw new Error('boom');
    });
    await expect(failed).rejects.toThrow('boom');
    expect(await gate(async () => 'next')).toBe('next');
  });
});
