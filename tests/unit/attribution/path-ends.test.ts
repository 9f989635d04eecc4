// The ends of a path: kept as touches arrive in any order, they give exactly the bounded path of every touch.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundedPath, MAX_PATH_TOUCHES, NO_TOUCHES, openPath, PATH_END, sortTouches, withTouch, type PathTouch } from '../../../src/domain/attribution/index.ts';

const SEED = 20261202;

/** Touches with distinct event ids; times collide often, so the event id decides the order too. */
const touches = fc
  .uniqueArray(fc.record({ at: fc.integer({ min: 0, max: 40 }), channel: fc.constantFrom('EMAIL', 'SMS', 'PHONE', 'CHAT'), id: fc.string({ minLength: 1, maxLength: 6 }) }), { selector: (t) => t.id, maxLength: 3 * MAX_PATH_TOUCHES, size: 'max' })
  .map((ts) => ts.map((t): PathTouch => [t.at, t.channel, t.id]));

describe('path ends', () => {
  it(`hold the first and last ${PATH_END} touches and the bounded path of all of them, whatever the arrival order (property, seed ${SEED})`, () => {
    fc.assert(
      fc.property(touches, (arrived) => {
        const ends = arrived.reduce(withTouch, NO_TOUCHES);
        const sorted = sortTouches([...arrived]);
        expect(ends.count).toBe(arrived.length);
        expect(ends.head).toEqual(sorted.slice(0, PATH_END));
        expect(ends.tail).toEqual(sorted.slice(-PATH_END));
        expect(openPath(ends)).toEqual(boundedPath(sorted.map((t) => t[1])));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('keep a journey with no touches empty, and do not change the ends they were given', () => {
    expect(openPath(NO_TOUCHES)).toEqual([]);
    const one = withTouch(NO_TOUCHES, [5, 'SMS', 'a']);
    expect(withTouch(one, [1, 'EMAIL', 'b'])).toEqual({ head: [[1, 'EMAIL', 'b'], [5, 'SMS', 'a']], tail: [[1, 'EMAIL', 'b'], [5, 'SMS', 'a']], count: 2 });
    expect(one).toEqual({ head: [[5, 'SMS', 'a']], tail: [[5, 'SMS', 'a']], count: 1 });
    expect(NO_TOUCHES).toEqual({ head: [], tail: [], count: 0 });
  });
});
