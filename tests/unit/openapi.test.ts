// The OpenAPI document and the error catalogue stay in step with the routes.
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/api/openapi.ts';
import { PROBLEM_TYPES, problemTypeUri } from '../../src/api/problems.ts';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const routeFiles = ['src/api/app.ts', ...readdirSync('src/api/routes').map((f) => join('src/api/routes', f))];
// A route file mounted elsewhere than /api/v2/tracking exports the MOUNT_PATH app.ts mounts it at.
const mounts = new Map(
  await Promise.all(routeFiles.map(async (file) => [file, ((await import(`../../${file}`)) as { MOUNT_PATH?: string }).MOUNT_PATH] as const)),
);
const declared = routeFiles.flatMap((file) => {
  const base = file.endsWith('app.ts') ? '' : (mounts.get(file) ?? '/api/v2/tracking');
  return [...readFileSync(file, 'utf8').matchAll(/(?:router|app)\.(get|post|put|patch|delete)\('([^']+)'/g)].map(
    ([, method, path]) => `${method!.toUpperCase()} ${base}${path!.replace(/:(\w+)/g, '{$1}')}`,
  );
});

describe('OpenAPI document', () => {
  const documented = Object.entries(openApiDocument.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));

  it('documents every route, and only routes that exist', () => {
    expect(declared.length).toBeGreaterThan(8);
    expect([...documented].sort()).toEqual([...declared].sort());
  });

  it('documents routes under their mount path', () => {
    expect(declared).toContain('GET /api/v2/analytics/predictions');
    expect(declared).toContain('GET /api/v2/tracking/attribution');
    expect(readFileSync('src/api/app.ts', 'utf8')).toMatch(/app\.use\(ANALYTICS_PATH, analyticsRoutes\(deps\)\)/);
  });

  it('lists every problem code of the catalogue', () => {
    const problem = openApiDocument.components.schemas.Problem.properties;
    expect(problem.code.enum).toEqual(Object.keys(PROBLEM_TYPES));
    expect(problem.type.enum).toEqual(Object.keys(PROBLEM_TYPES).map((c) => problemTypeUri(c as keyof typeof PROBLEM_TYPES)));
  });

  it('derives request bodies from the zod schemas', () => {
    const body = openApiDocument.paths['/api/v2/tracking/generate-guid'].post.requestBody.content['application/json'].schema as { required?: string[] };
    expect(body.required).toEqual(expect.arrayContaining(['vin', 'dealer_code', 'risk_event']));
  });
});
