// The OpenAPI 3.1 document, generated from the route declarations (zod 4 writes the JSON Schemas): nothing copied.
import { z } from 'zod';
import { ERRORS, type ErrorCode } from '../../domain/shared/errors.ts';
import { problemTypeUri } from './problems.ts';
import { AUTH_PROBLEMS, BODY_PROBLEMS, COMMON_PROBLEMS, type AnyRoute } from './route.ts';

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output') => {
  const { $schema: _s, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
};

const problemRef = { $ref: '#/components/schemas/Problem' };

/** Each property of an object schema as an OpenAPI parameter. */
const parametersOf = (schema: z.ZodType | undefined, where: 'path' | 'query' | 'header') => {
  if (!schema) return [];
  const s = jsonSchema(schema, 'input') as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, prop]) => ({
    name,
    in: where,
    required: where === 'path' || (s.required ?? []).includes(name),
    ...(prop.description ? { description: prop.description } : {}),
    schema: prop,
  }));
};

/** The problems a route may answer, grouped by status: one response per status listing its codes. */
const problemResponses = (r: AnyRoute) => {
  const codes = new Set<ErrorCode>([...r.problems, ...COMMON_PROBLEMS, ...(r.scope === 'public' ? [] : AUTH_PROBLEMS), ...(r.body ? BODY_PROBLEMS : [])]);
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERRORS[code].status, [...(byStatus.get(ERRORS[code].status) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      String(status),
      { description: list.map((c) => `\`${c}\`: ${ERRORS[c].title}`).join('; '), content: { 'application/problem+json': { schema: problemRef } } },
    ]),
  );
};

/** The content types a body is documented under, by the route's media type. */
const BODY_TYPES = { json: ['application/json'], form: ['application/x-www-form-urlencoded'], 'json-or-text': ['application/json', 'text/plain'] } as const;

const operation = (r: AnyRoute) => ({
  summary: r.summary,
  ...(r.description ? { description: r.description } : {}),
  tags: [...r.tags],
  operationId: `${r.method}${r.path.replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
  'x-threadline-scope': r.scope,
  // Either credential, with the route's scope; public routes need none.
  security: r.scope === 'public' ? [] : [{ apiKey: [r.scope] }, { oauth2: [r.scope] }, { apiKeyBasic: [r.scope] }],
  ...(r.limit ? { 'x-threadline-limit': r.limit } : {}),
  parameters: [...parametersOf(r.params, 'path'), ...parametersOf(r.query, 'query'), ...parametersOf(r.headers, 'header')],
  ...(r.body ? { requestBody: { required: true, content: Object.fromEntries(BODY_TYPES[r.body.mediaType ?? 'json'].map((t) => [t, { schema: jsonSchema(r.body!.schema, 'input') }])) } } : {}),
  responses: {
    ...Object.fromEntries(
      Object.entries(r.responses).map(([status, d]) => [
        status,
        { description: d.description, ...(d.schema || d.contentType ? { content: { [d.contentType ?? 'application/json']: d.schema ? { schema: jsonSchema(d.schema, 'output') } : {} } } : {}) },
      ]),
    ),
    ...problemResponses(r),
  },
});

export const openApiDocument = (list: readonly AnyRoute[]) => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of list) (paths[r.path] ??= {})[r.method] = operation(r);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Threadline',
      version: '0.1.0',
      description: 'Cross-channel journey tracking: command and query API. Generated from the route declarations; errors are RFC 9457 problems with a stable code (docs/errors.md).',
    },
    paths,
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'tl_live_… API key',
          description: 'An API key (`Authorization: Bearer tl_live_…`) with a role and a dealer scope; see docs/security.md. The role must have the scope named on the operation.',
        },
        apiKeyBasic: {
          type: 'http',
          scheme: 'basic',
          description: 'An API key as the Basic user name with an empty password (`base64("tl_live_…:")`): how Segment clients send their write key (docs/segment.md).',
        },
        oauth2: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: "An OAuth 2.0 access token (JWT) from the configured identity provider (THREADLINE_OAUTH_JWKS_URL), its role and dealers taken from claims.",
        },
      },
      schemas: {
        Problem: {
          type: 'object',
          description: 'RFC 9457 problem details with a stable code',
          required: ['type', 'title', 'status', 'code'],
          properties: {
            type: { type: 'string', enum: Object.keys(ERRORS).map((c) => problemTypeUri(c as ErrorCode)) },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            code: { type: 'string', enum: Object.keys(ERRORS) },
            violations: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
    },
  };
};
