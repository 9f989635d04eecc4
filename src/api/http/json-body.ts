// JSON request bodies: parsed losslessly (integers beyond 2^53 stay exact), with limits a read model can hold.
import express, { type RequestHandler } from 'express';
import { parseJson, scanJson } from '../../eventstore/lossless-json.ts';
import { MAX_BODY_DEPTH, textViolations } from '../../domain/shared/payload-limits.ts';
import { invalid, ProblemError } from './problems.ts';

const JSON_TYPES = ['application/json', 'application/*+json'];
const FORM_TYPE = 'application/x-www-form-urlencoded';

const RAW = Symbol('raw body');

const setRawBody = (req: express.Request, text: string) => {
  (req as unknown as Record<symbol, string>)[RAW] = text;
};

/** The body exactly as it arrived (decoded as UTF-8), for signature checks; '' when there was none. */
export const rawBodyOf = (req: express.Request): string => (req as unknown as Record<symbol, string | undefined>)[RAW] ?? '';

/**
 * Form bodies (what Twilio's webhooks send) as a flat record of strings: a name sent twice keeps its last value.
 * Within the same limit as JSON; the exact text is kept for the signature check.
 */
export const formBody = (limit: number): RequestHandler[] => [
  express.text({ type: FORM_TYPE, limit, defaultCharset: 'utf-8' }),
  (req, _res, next) => {
    if (typeof req.body !== 'string') {
      req.body = undefined;
      return next();
    }
    setRawBody(req, req.body);
    const fields: Record<string, string> = {};
    for (const [name, value] of new URLSearchParams(req.body)) fields[name] = value;
    const bad = textViolations(fields);
    if (bad.length > 0) return next(invalid(bad));
    req.body = fields;
    next();
  },
];

/**
 * express.text reads (and inflates) the body within the limit; this parses it. A body too deep, malformed, or
 * holding text the store cannot keep is a 400 before any route sees it.
 */
export const jsonBody = (limit: number, types: readonly string[] = JSON_TYPES): RequestHandler[] => [
  express.text({ type: [...types], limit, defaultCharset: 'utf-8' }),
  (req, _res, next) => {
    if (typeof req.body !== 'string') {
      req.body = undefined;
      return next();
    }
    const text = req.body;
    // Kept for routes that check a signature over the exact bytes sent (SendGrid's, Mailgun's webhooks).
    setRawBody(req, text);
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
