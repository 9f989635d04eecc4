// The projections' shared log pages: every read answers exactly what the log answers, while projections reading the
// same stretch share one read of it. Against an in-memory log that grows between reads (fixed-seed property).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GlobalLog, LoggedEvent, LogPosition, ReadLogOptions } from '../../src/eventstore/index.ts';
import { createLogPageCache } from '../../src/projections/runner/log-page-cache.ts';

const SEED = 20261201;

const memoryLog = () => {
  const events: LoggedEvent[] = [];
  const reads: ReadLogOptions[] = [];
  const indexOf = (p: LogPosition | null) => (p === null ? -1 : events.findIndex((e) => e.position.token === p.token));
  const log: GlobalLog = {
    async read(o) {
      reads.push(o);
      await Promise.resolve();
      const from = indexOf(o.after) + 1;
      return events.slice(from, from + o.limit).filter((e) => o.streamId === undefined || e.streamId === o.streamId);
    },
    streamHead: async () => null,
    compare: (a, b) => indexOf(a) - indexOf(b),
    decode: (token, globalPosition) => ({ token, globalPosition }),
    count: async () => events.length,
    subscribe: () => () => {},
  };
  const append = (n: number) => {
    for (let i = 0; i < n; i++) {
      const k = events.length + 1;
      events.push({ position: { token: `p${k}`, globalPosition: BigInt(k) }, streamId: `s-${k % 3}`, streamPosition: BigInt(k), type: 'A', data: { k }, recordedAt: new Date(k) });
    }
  };
  return { log, append, reads };
};

const tokens = (es: LoggedEvent[]) => es.map((e) => e.position.token);

describe('shared log pages for the projections', () => {
  it('serves a page one projection read to the others: seven projections, one read of the log', async () => {
    const { log, append, reads } = memoryLog();
    append(1200);
    const cache = createLogPageCache(log);
    const seven = await Promise.all(Array.from({ length: 7 }, () => cache.read({ after: null, limit: 500, stable: true })));
    for (const page of seven) expect(tokens(page)).toEqual(tokens(seven[0]!));
    const next = await Promise.all(Array.from({ length: 7 }, () => cache.read({ after: seven[0]!.at(-1)!.position, limit: 500, stable: true })));
    expect(tokens(next[6]!)[0]).toBe('p501');
    expect(reads).toHaveLength(2);
    expect(cache.stats()).toEqual({ hits: 6 * 1000, misses: 1000 });
  });

  it('passes every other read to the log: a stream, a time range, an unstable read', async () => {
    const { log, append, reads } = memoryLog();
    append(10);
    const cache = createLogPageCache(log);
    await cache.read({ after: null, limit: 5, stable: true });
    expect(tokens(await cache.read({ after: null, limit: 5, stable: true, streamId: 's-1' }))).toEqual(['p1', 'p4']);
    await cache.read({ after: null, limit: 5 });
    await cache.read({ after: null, limit: 5, stable: true, recordedFrom: new Date(0) });
    expect(reads).toHaveLength(4);
  });

  it('answers what the log answers, for readers at any place and size while the log grows, within its memory bound', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat({ max: 6 }), fc.integer({ min: 1, max: 40 }), fc.nat({ max: 30 })), { minLength: 1, maxLength: 80 }),
        async (steps) => {
          const { log, append } = memoryLog();
          const truth = memoryLog();
          const cache = createLogPageCache(log, 100);
          const at: (LogPosition | null)[] = Array.from({ length: 7 }, () => null);
          for (const [reader, limit, grow] of steps) {
            append(grow);
            truth.append(grow);
            const got = await cache.read({ after: at[reader]!, limit, stable: true });
            const want = await truth.log.read({ after: at[reader]!, limit, stable: true });
            expect(tokens(got)).toEqual(tokens(want));
            at[reader] = got.at(-1)?.position ?? at[reader]!;
          }
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });
});
