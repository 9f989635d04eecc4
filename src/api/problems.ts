// The error catalogue: every expected failure's stable code, HTTP status and title, rendered as RFC 9457 problem+json.
import type { Response } from 'express';

export const PROBLEM_TYPES = {
  validation_failed: { status: 400, title: 'The request is invalid' },
  malformed_json: { status: 400, title: 'The body is not valid JSON' },
  bad_request: { status: 400, title: 'The request cannot be read' },
  invalid_state: { status: 400, title: 'Not a state of this journey kind' },
  unknown_guid: { status: 404, title: 'No journey has this GUID' },
  not_found: { status: 404, title: 'No such resource' },
  invalid_transition: { status: 409, title: 'The lifecycle forbids this transition' },
  idempotency_key_reused: { status: 422, title: 'Idempotency-Key reused with a different request' },
  risk_event_conflict: { status: 409, title: 'This risk event already has a journey, opened with other details' },
  guid_taken: { status: 409, title: 'This GUID belongs to another journey' },
  payload_too_large: { status: 413, title: 'The body is larger than the limit' },
  unsupported_media_type: { status: 415, title: 'The body must be application/json' },
  projection_lagging: { status: 503, title: 'The read models have not caught up yet' },
  store_unavailable: { status: 503, title: 'The event store is unavailable' },
  internal_error: { status: 500, title: 'Internal error' },
} as const;

export type ProblemCode = keyof typeof PROBLEM_TYPES;

export type { Violation } from '../domain/violation.ts';

export const problemTypeUri = (code: ProblemCode) => `https://threadline.dev/problems/${code.replaceAll('_', '-')}`;

export class ProblemError extends Error {
  constructor(
    readonly code: ProblemCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const sendProblem = (res: Response, code: ProblemCode, detail: string, extra: Record<string, unknown> = {}) => {
  const { status, title } = PROBLEM_TYPES[code];
  res
    .status(status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: problemTypeUri(code), title, status, detail, code, instance: res.req.originalUrl, ...extra }));
};
