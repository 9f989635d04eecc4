// The one error catalogue of the product: every expected failure's stable code, with the HTTP status and title it
// answers with. Every failure value anywhere (a decision, an adapter's error, a route's problem) names a code of this
// list, and the type system holds them to it; docs/errors.md lists the same codes (a test keeps both in step).
export const ERRORS = {
  validation_failed: { status: 400, title: 'The request is invalid' },
  malformed_json: { status: 400, title: 'The body is not valid JSON' },
  bad_request: { status: 400, title: 'The request cannot be read' },
  invalid_state: { status: 400, title: 'Not a state of this journey kind' },
  unauthorized: { status: 401, title: 'Missing, malformed, unknown, expired or revoked credentials' },
  handoff_token_expired: { status: 401, title: 'The hand-off token has expired: the chat must hand off again' },
  handoff_token_invalid: { status: 401, title: 'The hand-off token is malformed, tampered with, signed with another key, or not for collecting' },
  forbidden: { status: 403, title: 'The credentials do not allow this' },
  invalid_signature: { status: 403, title: "The provider's signature is missing or does not match" },
  unknown_guid: { status: 404, title: 'No journey has this GUID' },
  not_found: { status: 404, title: 'No such resource' },
  invalid_transition: { status: 409, title: 'The lifecycle forbids this transition' },
  risk_event_conflict: { status: 409, title: 'This risk event already has a journey, opened with other details' },
  guid_taken: { status: 409, title: 'This GUID belongs to another journey' },
  journey_exists: { status: 409, title: 'A journey with this GUID exists' },
  suppressed: { status: 409, title: 'The address opted out of this channel at this dealer' },
  reply_attached: { status: 409, title: 'This reply is attached to another journey already' },
  portal_session_ended: { status: 409, title: 'This portal session has ended' },
  payload_too_large: { status: 413, title: 'The body is larger than the limit' },
  unsupported_media_type: { status: 415, title: 'The body must be application/json' },
  idempotency_key_reused: { status: 422, title: 'Idempotency-Key reused with a different request' },
  rate_limited: { status: 429, title: 'Too many requests: retry after the time given' },
  internal_error: { status: 500, title: 'Internal error' },
  projection_lagging: { status: 503, title: 'The read models have not caught up yet' },
  store_unavailable: { status: 503, title: 'The event store is unavailable' },
  overloaded: { status: 503, title: 'Too much work in flight: retry after the time given' },
  provider_not_configured: { status: 503, title: "This provider's webhook is off: its secret is not configured" },
  auth_unavailable: { status: 503, title: 'The identity provider cannot be reached to check the token' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** An expected failure as a value: its code (of the catalogue), a message for people, and whatever it carries. */
export type Failure<C extends ErrorCode, Extra extends object = object> = { code: C; message: string } & Extra;

export const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && Object.hasOwn(ERRORS, code);
