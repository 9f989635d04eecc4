// The per-process memory behind "every link clicked at once": distinct links per message within the window, the
// least recently clicked message forgotten first once the bound is reached, and one memory per app.
import { describe, expect, it } from 'vitest';
import { clickMemoryOf, createClickMemory } from '../../src/api/channels/click-memory.ts';

describe('click memory', () => {
  it('counts the distinct links of a message clicked within the window, this click included', () => {
    const m = createClickMemory(10, 5000);
    expect(m.record('msg', 0, 1000)).toBe(1);
    expect(m.record('msg', 0, 1500)).toBe(1);
    expect(m.record('msg', 1, 2000)).toBe(2);
    expect(m.record('other', 1, 2000)).toBe(1);
    // At 6501 link 0 (last clicked at 1500) is 5001 ms old, past the window; link 1 (2000) is not.
    expect(m.record('msg', 2, 6501)).toBe(2);
  });

  it('forgets the least recently clicked message first, and stays within its bound', () => {
    const m = createClickMemory(2, 5000);
    m.record('a', 0, 0);
    m.record('b', 0, 0);
    m.record('a', 1, 10); // a is now the most recent
    m.record('c', 0, 20); // b goes
    expect(m.size()).toBe(2);
    expect(m.record('a', 2, 30)).toBe(3);
    expect(m.record('b', 1, 30)).toBe(1);
    expect(m.size()).toBe(2);
  });

  it('keeps one memory per owner (app)', () => {
    const one = {};
    expect(clickMemoryOf(one)).toBe(clickMemoryOf(one));
    expect(clickMemoryOf(one)).not.toBe(clickMemoryOf({}));
  });
});
