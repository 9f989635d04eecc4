// An email's links and open pixel: the http(s) destinations of its `<a href>`s (and of the URLs in its text part)
// found as a browser would read them, rewritten to tracked URLs, and the pixel placed. Everything else stays as written.
import { isTrackableUrl } from './trackable-url.ts';

/** Larger bodies are refused before any scanning. */
export const MAX_EMAIL_HTML_BYTES = 512 * 1024;
/** Tracked links per part (HTML, text): more is a mailing no one reads link by link, and a token is ~200 bytes each. */
export const MAX_TRACKED_LINKS = 200;

/** The entities mail HTML writes in URLs; an unknown one stays literal, as browsers leave it. */
const NAMED: Readonly<Record<string, string>> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', colon: ':', sol: '/', num: '#', quest: '?', equals: '=',
  percnt: '%', lpar: '(', rpar: ')', period: '.', comma: ',', excl: '!', plus: '+', lowbar: '_', commat: '@', Tab: '\t', NewLine: '\n',
};

const codePoint = (n: number): string => (n === 0 || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff) ? '\ufffd' : String.fromCodePoint(n));

/** An attribute value as the browser sees it: character references decoded (the `;` is optional, as in browsers). */
export const decodeEntities = (raw: string): string =>
  raw.replace(/&(?:#[xX]([0-9a-fA-F]{1,8});?|#(\d{1,9});?|([A-Za-z]+);)/g, (all, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (hex !== undefined) return codePoint(parseInt(hex, 16));
    if (dec !== undefined) return codePoint(parseInt(dec, 10));
    return Object.hasOwn(NAMED, name!) ? NAMED[name!]! : all;
  });

/** Escapes a value for a double-quoted attribute. */
export const escapeAttribute = (value: string): string => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The destination a raw link tracks to (normalised, as the redirect will send it), or null when it stays as written. */
export const trackableDestination = (raw: string): string | null => {
  const trimmed = raw.trim();
  if (!isTrackableUrl(trimmed)) return null;
  const href = new URL(trimmed).href;
  return isTrackableUrl(href) ? href : null;
};

/** Where a link's value sits in the source (quotes included) and what it says, decoded. */
interface Span {
  start: number;
  end: number;
  value: string;
}

const SPACE = /\s/;

/** The first `href` of every `<a>` tag outside comments, with the span of its value. */
export const anchorHrefs = (html: string): Span[] => {
  const out: Span[] = [];
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    if (html.startsWith('<!--', lt)) {
      const close = html.indexOf('-->', lt + 4);
      i = close < 0 ? html.length : close + 3;
      continue;
    }
    const next = html[lt + 2];
    if ((html[lt + 1] !== 'a' && html[lt + 1] !== 'A') || next === undefined || !(SPACE.test(next) || next === '/' || next === '>')) {
      i = lt + 1;
      continue;
    }
    let j = lt + 2;
    let href: Span | null = null;
    while (j < html.length && html[j] !== '>') {
      if (SPACE.test(html[j]!) || html[j] === '/') {
        j++;
        continue;
      }
      const nameStart = j;
      j++; // a name's first character may be anything but space, '/' and '>' (even '=')
      while (j < html.length && !SPACE.test(html[j]!) && !'/>='.includes(html[j]!)) j++;
      const name = html.slice(nameStart, j).toLowerCase();
      let k = j;
      while (k < html.length && SPACE.test(html[k]!)) k++;
      if (html[k] !== '=') continue;
      k++;
      while (k < html.length && SPACE.test(html[k]!)) k++;
      let span: Span;
      const quote = html[k];
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, k + 1);
        const end = close < 0 ? html.length : close + 1;
        span = { start: k, end, value: decodeEntities(html.slice(k + 1, close < 0 ? html.length : close)) };
      } else {
        let end = k;
        while (end < html.length && !SPACE.test(html[end]!) && html[end] !== '>') end++;
        span = { start: k, end, value: decodeEntities(html.slice(k, end)) };
      }
      if (name === 'href' && href === null) href = span;
      j = span.end;
    }
    if (href) out.push(href);
    i = j + 1;
  }
  return out;
};

/** http(s) URLs in plain text, without the punctuation that usually ends a sentence after them. */
export const textUrls = (text: string): Span[] =>
  [...text.matchAll(/https?:\/\/[^\s<>"'`]+/gi)].map((m) => {
    let url = m[0];
    while (/[.,;:!?'"]$/.test(url) || (url.endsWith(')') && !url.includes('('))) url = url.slice(0, -1);
    return { start: m.index, end: m.index + url.length, value: url };
  });

export interface EmailLinks {
  /** Distinct trackable destinations, in order of first appearance (HTML first): a link's index is its place here. */
  destinations: string[];
  htmlLinks: number;
  textLinks: number;
}

/** The trackable links of an email's parts. */
export const linksOf = (html: string, text?: string): EmailLinks => {
  const html_ = anchorHrefs(html).flatMap((s) => trackableDestination(s.value) ?? []);
  const text_ = text === undefined ? [] : textUrls(text).flatMap((s) => trackableDestination(s.value) ?? []);
  return { destinations: [...new Set([...html_, ...text_])], htmlLinks: html_.length, textLinks: text_.length };
};

const replaceSpans = (source: string, spans: readonly { start: number; end: number; text: string }[]): string => {
  let out = '';
  let at = 0;
  for (const s of spans) {
    out += source.slice(at, s.start) + s.text;
    at = s.end;
  }
  return out + source.slice(at);
};

/** `urlFor(destination)` gives the tracked URL, or null to leave that link as written. */
export type TrackedUrlOf = (destination: string) => string | null;

/** The HTML with every trackable `<a href>` pointing at its tracked URL (double-quoted); other links untouched. */
export const rewriteHtmlLinks = (html: string, urlFor: TrackedUrlOf): string =>
  replaceSpans(
    html,
    anchorHrefs(html).flatMap((s) => {
      const destination = trackableDestination(s.value);
      const url = destination === null ? null : urlFor(destination);
      return url === null ? [] : [{ start: s.start, end: s.end, text: `"${escapeAttribute(url)}"` }];
    }),
  );

/** The text with every trackable URL replaced by its tracked URL. */
export const rewriteTextLinks = (text: string, urlFor: TrackedUrlOf): string =>
  replaceSpans(
    text,
    textUrls(text).flatMap((s) => {
      const destination = trackableDestination(s.value);
      const url = destination === null ? null : urlFor(destination);
      return url === null ? [] : [{ start: s.start, end: s.end, text: url }];
    }),
  );

/** The invisible 1×1 image whose fetch is an open. */
export const pixelTag = (src: string): string => `<img src="${escapeAttribute(src)}" width="1" height="1" alt="" style="display:none">`;

/** The HTML with the tag placed just before its last `</body>`, or at the end when it has none. */
export const withPixel = (html: string, tag: string): string => {
  let at = -1;
  for (const m of html.matchAll(/<\/body/gi)) at = m.index;
  return at < 0 ? html + tag : html.slice(0, at) + tag + html.slice(at);
};
