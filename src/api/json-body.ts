// JSON request bodies: parsed losslessly (integers beyond 2^53 stay exact), with limits a read model can hold.
import express, { type RequestHandler } from 'express';
import { parseJson, scanJson } from '../eventstore/lossless-json.ts';
import { ProblemError, type Violation } from './problems.ts';

/** Deeper than this, a body is refused before it is parsed (JSON.parse recurses; 10,000 levels overflow its stack). */
export const MAX_BODY_DEPTH = 64;
/** Deepest nesting of `details` or `metadata` that is stored. */
export const MAX_PAYLOAD_DEPTH = 32;

const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * Every string (and key) PostgreSQL can store as text and jsonb and a reader can decode: no NUL, no lone UTF-16
 * surrogate. Each bad place is listed once, by its path.
 */
const LONE_SURROGATE = /\p{Surrogate}/u;
const badText = (s: string): string | null => (s.includes('\u0000') ? 'contains a NUL character' : LONE_SURROGATE.test(s) ? 'contains a lone UTF-16 surrogate' : null);

export const textViolations = (value: unknown, path: (string | number)[] = []): Violation[] => {
  const out: Violation[] = [];
  const visit = (v: unknown, p: (string | number)[]) => {
    if (typeof v === 'string') {
      const problem = badText(v);
      if (problem) out.push({ path: p.map(String).join('.') || '(body)', message: problem });
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

export const invalid = (violations: Violation[]) =>
  new ProblemError('validation_failed', `${violations.length} violation(s): ${violations.map((v) => `${v.path}: ${v.message}`).join('; ')}`, { violations });

/**
 * express.text reads (and inflates) the body within the limit; this parses it. A body too deep, malformed, or
 * holding text the store cannot keep is a 400 before any route sees it.
 */
export const jsonBody = (limit: string): RequestHandler[] => [
  express.text({ type: JSON_TYPES, limit, defaultCharset: 'utf-8' }),
  (req, _res, next) => {
    if (typeof req.body !== 'string') {
      req.body = undefined;
      return next();
    }
    const text = req.body;
    if (text.trim() === '') {
      req.body = undefined;
      return next();
    }
    const scan = scanJson(text);
    if (scan.depth > MAX_BODY_DEPTH) {
      return next(invalid([{ path: '(body)', message: `nested deeper than ${MAX_BODY_DEPTH} levels` }]));
    }
    let body: unknown;
    try {
      body = parseJson(text, scan);
    } catch (error) {
      return next(new ProblemError('malformed_json', 'The body is not valid JSON', { violations: [{ path: '(body)', message: (error as Error).message }] }));
    }
    const bad = textViolations(body);
    if (bad.length > 0) return next(invalid(bad));
    req.body = body;
    next();
  },
];
