// JSON for event payloads: integers beyond 2^53 stay exact (BigInt in memory, digits on the wire), and a string is
// always a string (Emmett's parser turns numeric strings of 16+ digits into BigInt, which JSON.stringify rejects).
import pg from 'pg';

/** Marks an exact integer while JSON.parse/JSON.stringify carry it. No stored or accepted string holds NUL. */
const MARK = '\u0000tl-int:';
const MARKED = /"\\u0000tl-int:(-?\d+)"/g;
const LONG_DIGITS = /\d{16}/;

const isUnsafeInteger = (token: string): boolean => {
  const digits = token.startsWith('-') ? token.length - 1 : token.length;
  if (digits < 16) return false;
  const n = BigInt(token);
  return n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER);
};

export interface JsonScan {
  /** The deepest nesting of arrays and objects. */
  depth: number;
  /** The text with every unsafe integer literal replaced by a marked string, or null when there is none. */
  marked: string | null;
}

/** One pass over JSON text outside its strings: nesting depth, and the integer literals JSON.parse would round. */
export const scanJson = (text: string): JsonScan => {
  let depth = 0;
  let max = 0;
  let out: string[] | null = null;
  let copied = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i++;
        else if (d === 34) break;
      }
    } else if (c === 123 || c === 91 /* { [ */) {
      if (++depth > max) max = depth;
    } else if (c === 125 || c === 93 /* } ] */) {
      depth--;
    } else if (c === 45 || (c >= 48 && c <= 57) /* - 0-9 */) {
      let j = i + 1;
      let integer = true;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d >= 48 && d <= 57) continue;
        if (d === 46 || d === 101 || d === 69 || d === 43 || d === 45) integer = false;
        else break;
      }
      const token = text.slice(i, j);
      if (integer && /^-?\d+$/.test(token) && isUnsafeInteger(token)) {
        out ??= [];
        // The mark as JSON text (an escaped NUL): JSON.parse turns it back into MARK.
        out.push(text.slice(copied, i), `"\\u0000tl-int:${token}"`);
        copied = j;
      }
      i = j - 1;
    }
  }
  if (out) out.push(text.slice(copied));
  return { depth: max, marked: out ? out.join('') : null };
};

const revive = (_key: string, value: unknown) => (typeof value === 'string' && value.startsWith(MARK) ? BigInt(value.slice(MARK.length)) : value);

/** Parses JSON; integers beyond 2^53 come back as BigInt. Throws SyntaxError as JSON.parse does. */
export const parseJson = (text: string, scan?: JsonScan): unknown => {
  if (!scan && !LONG_DIGITS.test(text)) return JSON.parse(text);
  const { marked } = scan ?? scanJson(text);
  return marked === null ? JSON.parse(text) : JSON.parse(marked, revive);
};

const replace = (_key: string, value: unknown) => (typeof value === 'bigint' ? `${MARK}${value}` : value);

/** JSON.stringify that writes BigInt as the integer it is. */
export const stringifyJson = (value: unknown): string => {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof TypeError) || !/BigInt/i.test(error.message)) throw error;
    return JSON.stringify(value, replace).replace(MARKED, '$1');
  }
};

/**
 * pg type parsers for a pool whose json and jsonb columns hold event payloads: parsed with parseJson instead of
 * the process-wide parser Emmett installs. Everything else is pg's default (int8 as the runtime configures it).
 */
export const losslessJsonTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if ((oid === 3802 || oid === 114) && format !== 'binary') return (text: string) => parseJson(text);
    return pg.types.getTypeParser(oid, format as 'text');
  }) as typeof pg.types.getTypeParser,
};
