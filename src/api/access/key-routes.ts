// Key management for admins with every dealer in scope: make, list, roll, revoke. The key is answered once.
import { z } from 'zod';
import { createKey, listKeys, revokeKey, rollKey } from '../../projections/access/index.ts';
import type { Principal } from '../../domain/access/index.ts';
import { requireAllDealers } from '../http/dealer-scope.ts';
import { ProblemError } from '../http/problems.ts';
import { bodyOf, route } from '../http/route.ts';
import { createKeyBody, keyInfoSchema, keyMade, keyParams, revokeKeyBody, rollKeyBody } from './key-schemas.ts';

// A key can only be as wide as its maker: an admin bound to some dealers could otherwise mint a key for all.
const requireAll = (p: Principal | null) => requireAllDealers(p, 'Key management');

const noSuchKey = (id: string) => new ProblemError('not_found', `No live key ${id}`);

export const listKeysRoute = route({
  method: 'get',
  path: '/api/v2/admin/keys',
  summary: 'Every API key, oldest first: prefix, role, dealers, expiry, revocation, last use (never the key)',
  tags: ['admin'],
  responses: { 200: { description: 'The keys', schema: z.object({ keys: z.array(keyInfoSchema) }) } },
  problems: [],
  scope: 'admin',
  handle: async ({ deps, principal }) => {
    requireAll(principal);
    return { status: 200, body: { keys: await listKeys(deps.store.readModels) } };
  },
});

export const createKeyRoute = route({
  method: 'post',
  path: '/api/v2/admin/keys',
  summary: 'Make an API key with a role and a dealer scope; the answer holds the key, shown this once',
  tags: ['admin'],
  body: bodyOf(createKeyBody),
  responses: { 201: { description: 'Made', schema: keyMade } },
  problems: [],
  scope: 'admin',
  handle: async ({ body, deps, principal, touched }) => {
    requireAll(principal);
    const made = await createKey(deps.store.readModels, { name: body.name, role: body.role, dealers: body.dealers, environment: body.environment, expiresAt: body.expires_at ? new Date(body.expires_at) : null });
    touched(made.info.id);
    return { status: 201, body: { ...made.info, key: made.key }, headers: { 'Cache-Control': 'no-store' } };
  },
});

export const rollKeyRoute = route({
  method: 'post',
  path: '/api/v2/admin/keys/{id}/roll',
  summary: 'Replace a key with a new one (same name, role, dealers); the old one dies at once or after grace_seconds',
  tags: ['admin'],
  params: keyParams,
  paramsProblem: 'not_found',
  body: bodyOf(rollKeyBody),
  responses: { 201: { description: 'The new key (shown this once) and the old one', schema: keyMade.extend({ old: keyInfoSchema }) } },
  problems: ['not_found'],
  scope: 'admin',
  handle: async ({ params, body, deps, principal, touched }) => {
    requireAll(principal);
    const rolled = await rollKey(deps.store.readModels, params.id, body.grace_seconds * 1000);
    if (!rolled) throw noSuchKey(params.id);
    deps.access.authenticator.forget?.();
    touched(params.id, rolled.info.id);
    return { status: 201, body: { ...rolled.info, key: rolled.key, old: rolled.old }, headers: { 'Cache-Control': 'no-store' } };
  },
});

export const revokeKeyRoute = route({
  method: 'post',
  path: '/api/v2/admin/keys/{id}/revoke',
  summary: 'Revoke a key at once',
  tags: ['admin'],
  params: keyParams,
  paramsProblem: 'not_found',
  body: bodyOf(revokeKeyBody),
  responses: { 200: { description: 'Revoked', schema: keyInfoSchema } },
  problems: ['not_found'],
  scope: 'admin',
  handle: async ({ params, body, deps, principal, touched }) => {
    requireAll(principal);
    const revoked = await revokeKey(deps.store.readModels, params.id, body.reason);
    if (!revoked) throw noSuchKey(params.id);
    deps.access.authenticator.forget?.();
    touched(params.id);
    return { status: 200, body: revoked };
  },
});

export const keyRoutes = [listKeysRoute, createKeyRoute, rollKeyRoute, revokeKeyRoute];
