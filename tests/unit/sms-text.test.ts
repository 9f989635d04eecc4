// Preparing an SMS's text: links found and shortened (the same destination once), the opt-out line appended once,
// segments counted as carriers bill them; property-tested with a fixed seed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distinctLinks, linksInText, optOutLine, prepareSmsText, smsSegments, truncateText } from '../../src/domain/channels/index.ts';

const SEED = 20261216;
const GUID = 'FORD-2024-12-07-BAT-CRT-DET001-A7B9C2';
const BASE = 'https://t.example/s';

describe('links in a text', () => {
  it('finds http(s) links and leaves the punctuation of the sentence outside them', () => {
    const text = 'Book at https://dealer.example/book?vin=1&x=2. Or see (https://en.wikipedia.org/wiki/Battery_(electricity)), ftp://no.example and https://dealer.example/faq!';
    expect(linksInText(text).map((l) => l.url)).toEqual(['https://dealer.example/book?vin=1&x=2', 'https://en.wikipedia.org/wiki/Battery_(electricity)', 'https://dealer.example/faq']);
  });

  it('writes destinations as ASCII, as a Location header must be', () => {
    expect(distinctLinks('See https://bücher.example/straße')).toEqual(['https://xn--bcher-kva.example/stra%C3%9Fe']);
  });
});

describe('prepareSmsText', () => {
  it('replaces each link by its short link, the same destination by the same code, and appends the opt-out line', () => {
    let n = 0;
    const out = prepareSmsText('A https://a.example/x B https://b.example/y C https://a.example/x', GUID, BASE, () => `c${n++}`);
    expect(out.text).toBe(`A ${BASE}/c0 B ${BASE}/c1 C ${BASE}/c0\nReply STOP-FORD-202 to opt out`);
    expect(out.links).toEqual([
      { code: 'c0', url: 'https://a.example/x' },
      { code: 'c1', url: 'https://b.example/y' },
    ]);
  });

  it('appends the opt-out line once, also to a text that ends with it', () => {
    const once = prepareSmsText('Hello', GUID, BASE, () => 'x').text;
    expect(once).toBe(`Hello\n${optOutLine(GUID)}`);
    expect(prepareSmsText(once, GUID, BASE, () => 'x').text).toBe(once);
  });

  it('leaves no original link in the text, and keeps everything else (seed printed on failure)', () => {
    const word = fc.stringMatching(/^[A-Za-z0-9 ,.!?]{0,20}$/);
    const url = fc.webUrl({ withQueryParameters: true }).filter((u) => !/[.,;:!?'")\]}>]$/.test(u));
    fc.assert(
      fc.property(fc.array(fc.tuple(word, url), { maxLength: 5 }), word, (parts, tail) => {
        const text = parts.map(([w, u]) => `${w} ${u} `).join('') + tail;
        const out = prepareSmsText(text, GUID, BASE, (_u, i) => `k${i}`);
        expect(out.links.map((l) => l.url)).toEqual(distinctLinks(text));
        expect(linksInText(out.text).every((l) => l.url.startsWith(`${BASE}/k`))).toBe(true);
        expect(out.text.endsWith(optOutLine(GUID))).toBe(true);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe('smsSegments', () => {
  it('counts GSM-7 texts in 160 / 153 septets, escapes as two, and anything else as UCS-2 in 70 / 67', () => {
    expect(smsSegments('a'.repeat(160))).toBe(1);
    expect(smsSegments('a'.repeat(161))).toBe(2);
    expect(smsSegments('a'.repeat(306))).toBe(2);
    expect(smsSegments('a'.repeat(307))).toBe(3);
    expect(smsSegments('€'.repeat(80))).toBe(1);
    expect(smsSegments('€'.repeat(81))).toBe(2);
    expect(smsSegments('é'.repeat(160))).toBe(1);
    expect(smsSegments('ł'.repeat(70))).toBe(1);
    expect(smsSegments('ł'.repeat(71))).toBe(2);
    expect(smsSegments('👍'.repeat(35))).toBe(1);
  });
});

describe('truncateText', () => {
  it('never cuts a surrogate pair in two', () => {
    expect(truncateText(`${'a'.repeat(199)}👍`, 200)).toBe('a'.repeat(199));
    expect(truncateText('short', 200)).toBe('short');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (s) => {
        const t = truncateText(s, 200);
        expect(t.length).toBeLessThanOrEqual(200);
        expect(s.startsWith(t)).toBe(true);
        expect(/[\uD800-\uDBFF]$/.test(t)).toBe(false);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});
