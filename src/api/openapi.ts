// The OpenAPI 3.1 document of the HTTP API; request schemas come from the same zod schemas the routes use.
import { z } from 'zod';
import { PROBLEM_TYPES, problemTypeUri } from './problems.ts';
import { batchBody, conversationBody, generateGuidBody, transitionBody } from '../domain/journey-requests.ts';
import { journeyQuery, listJourneysQuery } from './schemas.ts';
import { analyticsPaths } from './openapi-analytics.ts';
import { CHANNELS, ACTOR_TYPES } from '../domain/channels.ts';

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

/** Each property of a query-string schema as a query parameter. */
const queryParameters = (schema: z.ZodType) => Object.entries((json(schema) as { properties: Record<string, object> }).properties).map(([name, s]) => ({ name, in: 'query', schema: s }));

const problem = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: problem } } });
const ok = (description: string, schema: object = { type: 'object' }) => ({ description, content: { 'application/json': { schema } } });
const guidParam = { name: 'guid', in: 'path', required: true, schema: { type: 'string' }, example: 'FORD-2024-12-07-BAT-CRT-DET001-A7B9C2' };

const logEventSchema = {
  type: 'object',
  required: ['guid', 'event_type', 'channel'],
  additionalProperties: false,
  properties: {
    guid: { type: 'string' },
    event_type: { type: 'string', pattern: '^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$', maxLength: 64 },
    channel: { enum: [...CHANNELS] },
    details: { type: 'object', description: 'Validated per known event type; free-form for other types.' },
    event_id: { type: 'string', description: 'Idempotency key; generated when absent.' },
    occurred_at: { type: 'string', format: 'date-time' },
    actor: { type: 'object', properties: { type: { enum: [...ACTOR_TYPES] }, id: { type: 'string' } }, required: ['type'] },
    dealer_code: { type: 'string' },
    session_id: { type: 'string' },
    user_id: { type: 'string' },
  },
};

/** A request that opens a journey and answers its GUID. */
const opening = (summary: string, body: z.ZodType, created: string, repeated: string) => ({
  summary,
  parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }],
  requestBody: { required: true, content: { 'application/json': { schema: json(body) } } },
  responses: {
    '201': ok(created, { type: 'object', properties: { guid: { type: 'string' }, tracking_url: { type: 'string' } } }),
    '200': ok(repeated),
    '400': problemResponse('Validation failed or malformed JSON'),
    '413': problemResponse('Body too large'),
    '415': problemResponse('Not JSON'),
    '409': problemResponse('The same risk event already has a journey, opened with other details (risk_event_conflict, with its guid)'),
    '422': problemResponse('Idempotency-Key reused with another body'),
  },
});

export const openApiDocument = {
  openapi: '3.1.0',
  info: { title: 'Threadline', version: '0.1.0', description: 'Cross-channel journey tracking: command and query API.' },
  paths: {
    '/healthz': {
      get: {
        summary: 'Liveness and readiness, with each projection\'s state (running or failing, with the error and the next retry) and its quarantined events',
        responses: { '200': ok('Ready'), '503': ok('Starting or stopping') },
      },
    },
    '/openapi.json': { get: { summary: 'This document', responses: { '200': ok('OpenAPI document') } } },
    '/api/v2/tracking/generate-guid': {
      post: opening('Create an outreach journey for a risk event and return its GUID', generateGuidBody, 'Journey created', 'The same risk event or Idempotency-Key again: the same GUID'),
    },
    '/api/v2/tracking/conversations': {
      post: opening('Open a conversation journey (INBOUND_QUEUE) on a channel and return its GUID', conversationBody, 'Conversation opened', 'The same Idempotency-Key again: the same GUID'),
    },
    '/api/v2/tracking/log-event': {
      post: {
        summary: 'Log one tracking event',
        requestBody: { required: true, content: { 'application/json': { schema: logEventSchema } } },
        responses: {
          '201': ok('Stored'),
          '200': ok('Duplicate event_id: stored once already'),
          '400': problemResponse('Validation failed'),
          '404': problemResponse('Unknown GUID'),
          '413': problemResponse('Body too large'),
        },
      },
    },
    '/api/v2/tracking/events': {
      post: {
        summary: 'Log up to 1,000 events; one result per event, in order',
        requestBody: { required: true, content: { 'application/json': { schema: { ...json(batchBody), properties: { events: { type: 'array', maxItems: 1000, items: logEventSchema } } } } } },
        responses: { '200': ok('Per-event results'), '400': problemResponse('Not a batch'), '413': problemResponse('Body over 1 MB') },
      },
    },
    '/api/v2/tracking/journey/{guid}/transition': {
      post: {
        summary: 'Request a lifecycle transition',
        parameters: [guidParam],
        requestBody: { required: true, content: { 'application/json': { schema: json(transitionBody) } } },
        responses: {
          '200': ok('Transitioned (or already in that state)'),
          '400': problemResponse('Validation failed or not a state of this kind'),
          '404': problemResponse('Unknown GUID'),
          '409': problemResponse('Cannot go from X to Y'),
        },
      },
    },
    '/api/v2/tracking/journey/{guid}': {
      get: {
        summary:
          'A journey in one snapshot: a page of its events (events_page.next_cursor for the next), its summary, transitions and analytics over all of them, and whether it is degraded (an event quarantined); reflects every acknowledged event',
        parameters: [guidParam, ...queryParameters(journeyQuery)],
        responses: {
          '200': ok('The journey'),
          '400': problemResponse('Bad events_limit, events_cursor or events_order'),
          '404': problemResponse('Unknown GUID'),
          '503': problemResponse('Read models lagging (Retry-After)'),
        },
      },
    },
    '/api/v2/tracking/journey/{guid}/audit': {
      get: {
        summary: "A journey's raw events in log order with global positions",
        parameters: [guidParam, { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' } }, { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' } }],
        responses: { '200': { description: 'NDJSON', content: { 'application/x-ndjson': {} } }, '404': problemResponse('Unknown GUID') },
      },
    },
    '/api/v2/tracking/journeys': {
      get: {
        summary: 'Journey summaries, newest first, cursor-paginated',
        parameters: queryParameters(listJourneysQuery),
        responses: { '200': ok('{journeys, next_cursor}'), '400': problemResponse('Validation failed') },
      },
    },
    ...analyticsPaths,
    '/api/v2/admin/quarantine': {
      get: {
        summary: 'Events a projection could not apply (set aside with their error); `threadline rebuild` tries them again',
        responses: { '200': ok('{quarantined: [{projection, stream_id, stream_position, global_position, event_type, error, quarantined_at}]}') },
      },
    },
  },
  components: {
    schemas: {
      Problem: {
        type: 'object',
        description: 'RFC 9457 problem details with a stable code',
        required: ['type', 'title', 'status', 'code'],
        properties: {
          type: { type: 'string', enum: Object.keys(PROBLEM_TYPES).map((c) => problemTypeUri(c as keyof typeof PROBLEM_TYPES)) },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
          instance: { type: 'string' },
          code: { type: 'string', enum: Object.keys(PROBLEM_TYPES) },
          violations: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
        },
      },
    },
  },
};
