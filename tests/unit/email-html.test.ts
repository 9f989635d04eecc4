// An email's links as a browser reads them (quotes, entities, case, comments), rewritten to tracked URLs with
// everything else byte for byte as written; mailto/tel/#/javascript: never touched; the pixel placed before </body>.
// A fixed-seed property: with no link tracked the HTML comes back unchanged, and a tracked link never leaves an
// http(s) destination behind.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anchorHrefs, decodeEntities, linksOf, pixelTag, rewriteHtmlLinks, rewriteTextLinks, textUrls, trackableDestination, withPixel } from '../../src/domain/channels/index.ts';

const hrefs = (html: string) => anchorHrefs(html).map((s) => s.value);
const track = (u: string) => `https://t.example/r/${encodeURIComponent(u)}`;

describe('finding links', () => {
  it('reads double-quoted, single-quoted and unquoted values, any case, across line breaks, the first href only', () => {
    const html = `<A HREF="https://a.example/1">x</A><a class='b' href='https://b.example/2'>y</a><a\nhref=https://c.example/3>z</a><a href="https://d.example/4" href="https://e.example/5">w</a>`;
    expect(hrefs(html)).toEqual(['https://a.example/1', 'https://b.example/2', 'https://c.example/3', 'https://d.example/4']);
  });

  it('decodes character references in a value, as the browser does', () => {
    expect(hrefs('<a href="https://a.example/?x=1&amp;y=2&#38;z=&#x33;">')).toEqual(['https://a.example/?x=1&y=2&z=3']);
    expect(decodeEntities('java&#115;cript&colon;x')).toBe('javascript:x');
    expect(decodeEntities('&unknown; &#0; &#x110000;')).toBe('&unknown; \ufffd \ufffd');
  });

  it('keeps a > inside a quoted value, skips comments, and ignores tags that only start with a', () => {
    const html = `<!-- <a href="https://hidden.example/"> --><a title="a > b" href="https://a.example/">x</a><abbr href="https://no.example/">y</abbr><area href="https://no.example/"><a data-href="https://no.example/">z</a>`;
    expect(hrefs(html)).toEqual(['https://a.example/']);
  });

  it('tracks only http(s) destinations, normalised as the redirect will send them', () => {
    for (const raw of ['mailto:jane@example.com', 'tel:+13135550123', '#top', 'javascript:alert(1)', ' JavaScript:alert(1)', '/relative', 'data:text/html,x', 'ftp://a.example/', ''])
      expect(trackableDestination(raw), raw).toBeNull();
    expect(trackableDestination('  https://Dealer.Example/a b?q=é ')).toBe('https://dealer.example/a%20b?q=%C3%A9');
  });
});

describe('rewriting', () => {
  const html = `<html><body><p>Hi</p><a href="https://dealer.example/book?a=1&amp;b=2">Book</a> <a href="mailto:service@dealer.example">Mail</a> <a href='javascript:void(0)'>JS</a> <a href=#top>Top</a> <a href="https://dealer.example/book?a=1&b=2">Again</a></body></html>`;

  it('points every trackable link at its tracked URL and leaves every other byte as written', () => {
    const out = rewriteHtmlLinks(html, track);
    const tracked = `"${track('https://dealer.example/book?a=1&b=2').replace(/&/g, '&amp;')}"`;
    expect(out).toBe(html.replace(`"https://dealer.example/book?a=1&amp;b=2"`, tracked).replace(`"https://dealer.example/book?a=1&b=2"`, tracked));
    expect(out).toContain(`<a href="mailto:service@dealer.example">`);
    expect(out).toContain(`<a href='javascript:void(0)'>`);
    expect(out).toContain('<a href=#top>');
  });

  it('counts a destination once however often it appears, HTML before text, in order of appearance', () => {
    expect(linksOf(html, 'Book at https://dealer.example/book?a=1&b=2. Or see https://dealer.example/offers.')).toEqual({
      destinations: ['https://dealer.example/book?a=1&b=2', 'https://dealer.example/offers'],
      htmlLinks: 2,
      textLinks: 2,
    });
  });

  it('finds URLs in text without the punctuation after them, and rewrites only those', () => {
    const text = 'See (https://a.example/x), https://b.example/(y) and <https://c.example/z>. mailto:a@b.c stays.';
    expect(textUrls(text).map((s) => s.value)).toEqual(['https://a.example/x', 'https://b.example/(y)', 'https://c.example/z']);
    expect(rewriteTextLinks(text, (u) => (u.includes('b.example') ? 'T' : null))).toBe('See (https://a.example/x), T and <https://c.example/z>. mailto:a@b.c stays.');
  });

  it('places the pixel before the last </body>, whatever its case, or at the end', () => {
    const tag = pixelTag('https://t.example/pixel/abc.gif?x="1"&y');
    expect(tag).toBe('<img src="https://t.example/pixel/abc.gif?x=&quot;1&quot;&amp;y" width="1" height="1" alt="" style="display:none">');
    expect(withPixel('<p>a</p></BODY></html>', 'P')).toBe('<p>a</p>P</BODY></html>');
    expect(withPixel('<p>a</body></p></body>', 'P')).toBe('<p>a</body></p>P</body>');
    expect(withPixel('<p>no body</p>', 'P')).toBe('<p>no body</p>P');
  });
});

describe('properties (fixed seed)', () => {
  const piece = fc.oneof(
    fc.constantFrom('<a href="https://a.example/x">', "<a href='http://b.example/?q=1&amp;r=2'>", '<a href=https://c.example/>', '<a href="mailto:x@y.z">', '<a href="javascript:alert(1)">', '</a>', '<!--', '-->', '<a', 'href=', '"', "'", '>', '<', '&amp;', '</body>', ' ', '\n'),
    fc.string({ maxLength: 12 }),
  );
  const htmlArb = fc.array(piece, { maxLength: 40 }).map((p) => p.join(''));

  it('leaves the HTML unchanged when no link is tracked, and leaves no trackable href behind when all are', () => {
    fc.assert(
      fc.property(htmlArb, (html) => {
        expect(rewriteHtmlLinks(html, () => null)).toBe(html);
        const out = rewriteHtmlLinks(html, () => 'https://t.example/r/TOKEN');
        for (const h of hrefs(out)) if (trackableDestination(h) !== null) expect(h).toBe('https://t.example/r/TOKEN');
      }),
      { seed: 20261216, numRuns: 2000 },
    );
  });
});
