// What a stored payload may hold: strings PostgreSQL can keep, and nesting a reader can walk.
import type { Violation } from './violation.ts';

/** Deeper than this, a body is refused before it is parsed (JSON.parse recurses; 10,000 levels overflow its stack). */
export const MAX_BODY_DEPTH = 64;
/** Deepest nesting of `details` or `metadata` that is stored. */
export const MAX_PAYLOAD_DEPTH = 32;

const LONE_SURROGATE = /\p{Surrogate}/u;
const badText = (s: string): string | null => (s.includes('\u0000') ? 'contains a NUL character' : LONE_SURROGATE.test(s) ? 'contains a lone UTF-16 surrogate' : null);

/**
 * What PostgreSQL can store as text and jsonb and a reader gets back as sent: no NUL, no lone UTF-16 surrogate in
 * any string or key, no number beyond a double (1E400 parses as Infinity, which JSON writes as null). Each bad place
 * is listed once, by its path.
 */
export const textViolations = (value: unknown, path: (string | number)[] = []): Violation[] => {
  const out: Violation[] = [];
  const visit = (v: unknown, p: (string | number)[]) => {
    if (typeof v === 'string') {
      const problem = badText(v);
      if (problem) out.push({ path: p.map(String).join('.') || '(body)', message: problem });
    } else if (typeof v === 'number' && !Number.isFinite(v)) {
      out.push({ path: p.map(String).join('.') || '(body)', message: 'a number beyond what a double holds (send it as a string)' });
    } else if (Array.isArray(v)) v.forEach((x, i) => visit(x, [...p, i]));
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        const problem = badText(k);
        if (problem) out.push({ path: [...p, k].map(String).join('.'), message: `the key ${problem}` });
        else visit(x, [...p, k]);
      }
    }
  };
  visit(value, path);
  return out;
};

/** How deep a value nests (a scalar is 0, `{}` is 1). */
export const depthOf = (value: unknown): number => {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d + 1 > max) max = d + 1;
    for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push([x, d + 1]);
  }
  return max;
};
