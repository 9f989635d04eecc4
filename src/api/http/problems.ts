// Problems: the catalogue's failures rendered as RFC 9457 application/problem+json.
import type { Response } from 'express';
import { ERRORS, type ErrorCode } from '../../domain/shared/errors.ts';
import type { Violation } from '../../domain/shared/violation.ts';

export type ProblemCode = ErrorCode;
export type { Violation };

export const problemTypeUri = (code: ErrorCode) => `https://threadline.dev/problems/${code.replaceAll('_', '-')}`;

/** A failure to answer with: thrown by a route, rendered by the pipeline's error handler. */
export class ProblemError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const invalid = (violations: Violation[]) =>
  new ProblemError('validation_failed', `${violations.length} violation(s): ${violations.map((v) => `${v.path}: ${v.message}`).join('; ')}`, { violations });

export const sendProblem = (res: Response, code: ErrorCode, detail: string, extra: Record<string, unknown> = {}) => {
  const { status, title } = ERRORS[code];
  // The audit record names why a request was refused.
  res.locals['problem'] = code;
  res
    .status(status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: problemTypeUri(code), title, status, detail, code, instance: res.req.originalUrl, ...extra }));
};
