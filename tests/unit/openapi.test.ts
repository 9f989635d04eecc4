// The OpenAPI document is made from the route declarations, and describes exactly the routes the app mounts; every
// route declares its scope and its problems; the error catalogue and docs/errors.md list the same codes.
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/http/app.ts';
import { PUBLIC_ROUTES } from '../helpers/public-routes.ts';
import type { AppDeps } from '../../src/api/http/deps.ts';
import { openApiDocument } from '../../src/api/http/openapi.ts';
import { problemTypeUri } from '../../src/api/http/problems.ts';
import { ROUTES } from '../../src/api/registry.ts';
import { ERRORS, type ErrorCode } from '../../src/domain/shared/errors.ts';
import { testAppConfig } from '../helpers/test-app.ts';

// Nothing here handles a request: the app is only built, so its routes can be read.
const deps = { config: testAppConfig(), access: { corsOrigins: [] }, logger: pino({ level: 'silent' }) } as unknown as AppDeps;
const app = buildApp(deps);
const mounted = (app.router.stack as { route?: { path: string; methods: Record<string, boolean> } }[])
  .flatMap((l) => (l.route ? Object.keys(l.route.methods).map((m) => `${m.toUpperCase()} ${l.route!.path.replace(/:(\w+)/g, '{$1}')}`) : []));
const doc = openApiDocument(ROUTES);
const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));

describe('OpenAPI document', () => {
  it('documents every mounted route, and only routes that are mounted', () => {
    expect(mounted.length).toBeGreaterThan(10);
    expect([...documented].sort()).toEqual([...mounted].sort());
    expect(mounted).toContain('GET /api/v2/analytics/predictions');
    expect(mounted).toContain('GET /api/v2/tracking/journey/{guid}');
  });

  it('has a scope on every route, and every route but the public ones behind one', () => {
    for (const r of ROUTES) expect(r.scope, `${r.method} ${r.path}`).toBeTruthy();
    expect(ROUTES.filter((r) => r.scope === 'public').map((r) => `${r.method} ${r.path}`).sort()).toEqual([...PUBLIC_ROUTES].sort());
  });

  it('declares the security schemes, and on every operation behind a scope, the credentials and 401/403 it may answer', () => {
    const doc = openApiDocument(ROUTES) as { components: { securitySchemes: Record<string, { type: string; scheme: string }> }; paths: Record<string, Record<string, { security: unknown[]; responses: Record<string, unknown> }>> };
    expect(doc.components.securitySchemes).toMatchObject({ apiKey: { type: 'http', scheme: 'bearer' }, oauth2: { type: 'http', scheme: 'bearer' }, apiKeyBasic: { type: 'http', scheme: 'basic' } });
    for (const r of ROUTES) {
      const op = doc.paths[r.path]![r.method]!;
      if (r.scope === 'public') expect(op.security).toEqual([]);
      else {
        expect(op.security, `${r.method} ${r.path}`).toEqual([{ apiKey: [r.scope] }, { oauth2: [r.scope] }, { apiKeyBasic: [r.scope] }]);
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403', '429']));
      }
    }
  });

  it('declares a schema for every JSON answer, and every problem a route may answer', () => {
    for (const r of ROUTES) {
      for (const [status, d] of Object.entries(r.responses)) {
        // A redirect or a 204 has no body to describe.
        const bodiless = status === '204' || status.startsWith('3');
        if (r.path !== '/openapi.json' && !bodiless && (d.contentType ?? 'application/json') === 'application/json') expect(d.schema, `${r.method} ${r.path} ${status}`).toBeDefined();
      }
      const op = doc.paths[r.path]![r.method] as { responses: Record<string, unknown> };
      for (const code of r.problems) expect(Object.keys(op.responses), `${r.path} ${code}`).toContain(String(ERRORS[code].status));
    }
  });

  it('lists every code of the catalogue in the problem schema', () => {
    const problem = doc.components.schemas.Problem.properties;
    expect(problem.code.enum).toEqual(Object.keys(ERRORS));
    expect(problem.type.enum).toEqual(Object.keys(ERRORS).map((c) => problemTypeUri(c as ErrorCode)));
  });

  it('derives request bodies and parameters from the zod schemas', () => {
    const op = doc.paths['/api/v2/tracking/generate-guid']!['post'] as { requestBody: { content: { 'application/json': { schema: { required?: string[] } } } }; parameters: { name: string; in: string }[] };
    expect(op.requestBody.content['application/json'].schema.required).toEqual(expect.arrayContaining(['vin', 'dealer_code', 'risk_event']));
    expect(op.parameters).toContainEqual(expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }));
    const journey = doc.paths['/api/v2/tracking/journey/{guid}']!['get'] as { parameters: { name: string; in: string }[] };
    expect(journey.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(['path:guid', 'query:events_limit', 'query:events_cursor', 'query:events_order']);
  });
});

describe('error catalogue', () => {
  // docs/errors.md: a table of `code` | status | meaning.
  const rows = [...readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8').matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map(([, code, status]) => [code!, Number(status)] as const);

  it('is documented in docs/errors.md, code for code, with the same status, both ways', () => {
    expect(rows.map(([c]) => c).sort()).toEqual(Object.keys(ERRORS).sort());
    for (const [code, status] of rows) expect(ERRORS[code as ErrorCode].status, code).toBe(status);
  });
});
