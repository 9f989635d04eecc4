// An outbound SMS as Threadline prepares it: every web link in the text replaced by a short link, the journey's
// opt-out line appended (the PRD's `Reply STOP-<first 8 of GUID> to opt out`), and the segments it is billed as.
import { journeyStopKeyword } from '../journeys/index.ts';
import { isTrackableUrl } from './trackable-url.ts';

/** Twilio refuses a body longer than 1,600 characters. */
export const SMS_MAX_LENGTH = 1600;
/** What a short link's code looks like: 1 to 10 base62 characters. Anything else is no code (404, never a redirect). */
export const SHORT_CODE_PATTERN = /^[A-Za-z0-9]{1,10}$/;
export const SHORT_CODE_LENGTH = 10;
export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export interface LinkInText {
  start: number;
  end: number;
  url: string;
}

const URL_IN_TEXT = /https?:\/\/[^\s<>"]+/gi;
// Punctuation after a link in prose ("see https://x.example/a." or "(https://x.example/a)") ends the sentence, not the URL.
const TRAILING = /[.,;:!?'"\]}>]$/;

const trimTrailing = (raw: string): string => {
  let url = raw;
  for (;;) {
    if (TRAILING.test(url)) url = url.slice(0, -1);
    // A closing bracket belongs to the URL only when the URL opened one (Wikipedia-style paths).
    else if (url.endsWith(')') && (url.match(/\(/g)?.length ?? 0) < (url.match(/\)/g)?.length ?? 0)) url = url.slice(0, -1);
    else return url;
  }
};

/** The http(s) links written in a text, in order (only destinations a redirect may lead to: isTrackableUrl). */
export const linksInText = (text: string): LinkInText[] => {
  const out: LinkInText[] = [];
  for (const m of text.matchAll(URL_IN_TEXT)) {
    const url = trimTrailing(m[0]);
    // Kept as the URL parser writes it: ASCII only (punycode, percent-escapes), as a Location header must be.
    if (isTrackableUrl(url)) out.push({ start: m.index, end: m.index + url.length, url: new URL(url).href });
  }
  return out;
};

/** The text's distinct link destinations, in the order they first appear (what prepareSmsText numbers). */
export const distinctLinks = (text: string): string[] => [...new Set(linksInText(text).map((l) => l.url))];

/** The line every prepared SMS ends with. */
export const optOutLine = (guid: string): string => `Reply ${journeyStopKeyword(guid)} to opt out`;

export interface PreparedSmsText {
  text: string;
  /** One per distinct destination, in the order they first appear; the index is the link's place in this list. */
  links: { code: string; url: string }[];
}

/**
 * Replaces each link by `${shortBase}/${code}` (the same destination twice gets the same code) and appends the
 * opt-out line unless the text already ends with it. `codeFor(url, index)` supplies the codes (the caller draws them
 * from a CSPRNG, or reuses those of an earlier prepare of the same message).
 */
export const prepareSmsText = (text: string, guid: string, shortBase: string, codeFor: (url: string, index: number) => string): PreparedSmsText => {
  const codes = new Map<string, string>();
  const links: PreparedSmsText['links'] = [];
  let out = '';
  let at = 0;
  for (const link of linksInText(text)) {
    let code = codes.get(link.url);
    if (code === undefined) {
      code = codeFor(link.url, links.length);
      codes.set(link.url, code);
      links.push({ code, url: link.url });
    }
    out += `${text.slice(at, link.start)}${shortBase}/${code}`;
    at = link.end;
  }
  out += text.slice(at);
  const line = optOutLine(guid);
  const body = out.trimEnd();
  return { text: body.endsWith(line) ? body : `${body}\n${line}`, links };
};

// GSM 03.38: the basic set (one septet each) and the extension table (an escape plus one: two septets).
const GSM_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
const GSM_EXTENDED = new Set('^{}\\[~]|€\f');

/**
 * How many segments the text is sent as: GSM-7 fits 160 septets in one, 153 per part when split; any other
 * character makes it UCS-2: 70 UTF-16 units in one, 67 per part.
 */
export const smsSegments = (text: string): number => {
  let septets = 0;
  for (const ch of text) {
    if (GSM_BASIC.has(ch)) septets += 1;
    else if (GSM_EXTENDED.has(ch)) septets += 2;
    else {
      const units = text.length;
      return units <= 70 ? 1 : Math.ceil(units / 67);
    }
  }
  return septets <= 160 ? 1 : Math.ceil(septets / 153);
};

/** At most `max` UTF-16 units of the text, never cutting a surrogate pair in two (the store refuses half of one). */
export const truncateText = (text: string, max: number): string => {
  const cut = text.slice(0, max);
  return cut.length > 0 && /[\uD800-\uDBFF]$/.test(cut) && text.length > max ? cut.slice(0, -1) : cut;
};
