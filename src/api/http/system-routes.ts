// The routes every Threadline answers, whatever its capabilities: health, and this API's own document.
import { z } from 'zod';
import { projectionProgress } from '../../projections/runner/checkpoints.ts';
import { countQuarantine } from '../../projections/runner/quarantine.ts';
import { narrow } from '../../projections/runner/read-model-db.ts';
import { openApiDocument } from './openapi.ts';
import { route, type AnyRoute } from './route.ts';

const projectionHealth = z.object({
  state: z.enum(['running', 'failing']),
  failing: z.object({ since: z.string(), error: z.string(), retry_in_ms: z.number() }).optional(),
  quarantined: z.number().int().nullable().meta({ description: 'Events set aside (null: the count could not be read)' }),
  lag_seconds: z.number().nullable().meta({ description: 'Age of the oldest event not applied yet: 0 when caught up (null: it could not be read)' }),
});
const health = z.object({ status: z.enum(['ok', 'starting']), store: z.enum(['pglite', 'postgres']), projections: z.record(z.string(), projectionHealth) });

export const healthz = route({
  method: 'get',
  path: '/healthz',
  summary: "Liveness and readiness, with each projection's state (running, or failing with the error and the next retry) and its quarantined events",
  description: 'The API stays up while a projection fails (commands still store): the body says what is degraded.',
  tags: ['system'],
  responses: { 200: { description: 'Ready', schema: health }, 503: { description: 'Starting or stopping', schema: health } },
  problems: [],
  scope: 'public',
  handle: async ({ deps }) => {
    const ready = deps.isReady?.() ?? true;
    const quarantined = ready ? await countQuarantine(narrow(deps.db)).catch(() => null) : null;
    const status = deps.projections.status();
    const progress = ready ? await projectionProgress(narrow(deps.db), deps.store.log, status.map((p) => p.name)).catch(() => null) : null;
    const projections = Object.fromEntries(
      status.map(({ name, failing }) => [
        name,
        {
          state: failing ? 'failing' : 'running',
          ...(failing ? { failing } : {}),
          quarantined: quarantined === null ? null : (quarantined[name] ?? 0),
          lag_seconds: progress?.find((p) => p.name === name)?.lagSeconds ?? null,
        },
      ]),
    );
    return { status: ready ? 200 : 503, body: { status: ready ? 'ok' : 'starting', store: deps.store.kind, projections } };
  },
});

export const openApi = route({
  method: 'get',
  path: '/openapi.json',
  summary: 'This document (OpenAPI 3.1), generated from the route declarations',
  tags: ['system'],
  responses: { 200: { description: 'The OpenAPI document' } },
  problems: [],
  scope: 'public',
  handle: async ({ routes }) => ({ status: 200, body: openApiDocument(routes) }),
});

export const metricsRoute = route({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics: requests and latencies by route, work in flight, shed requests, appends, projection lag',
  description: 'Public like /healthz (no journey data, no dealer codes: counts and times only); keep it on the internal network.',
  tags: ['system'],
  responses: { 200: { description: 'Prometheus text exposition format', contentType: 'text/plain; version=0.0.4; charset=utf-8' } },
  problems: [],
  scope: 'public',
  handle: async ({ res, http }) => {
    const text = await http.metrics.registry.metrics();
    res.status(200).type(http.metrics.registry.contentType).send(text);
  },
});

export const systemRoutes: readonly AnyRoute[] = [healthz, openApi, metricsRoute];
