// Webhook subscription management for admins: make, list, read, change, pause/resume, delete, rotate the secret.
// The secret is answered only when it is made (create, rotate).
import { z } from 'zod';
import { newSubscriptionId, newWebhookSecret } from '../../application/webhooks/index.ts';
import type { Principal } from '../../domain/access/index.ts';
import {
  deleteSubscription,
  findSubscription,
  insertSubscription,
  listSubscriptions,
  rotateSubscriptionSecret,
  setSubscriptionStatus,
  updateSubscription,
} from '../../projections/webhooks/index.ts';
import { requireAllDealers } from '../http/dealer-scope.ts';
import { bodyOf, route } from '../http/route.ts';
import { createSubscriptionBody, patchSubscriptionBody, rotateSecretBody, secretRotated, subscriptionInfo, subscriptionMade, subscriptionParams } from './subscription-schemas.ts';
import { acceptedUrl, noSuchSubscription, subscriptionView } from './subscription-view.ts';

// A subscription may carry every dealer's journeys: only credentials that see every dealer manage them.
const requireAll = (p: Principal | null) => requireAllDealers(p, 'Webhook management');
const NO_STORE = { 'Cache-Control': 'no-store' };
const one = { params: subscriptionParams, paramsProblem: 'not_found' as const, tags: ['webhooks'], scope: 'admin' as const };

export const createSubscriptionRoute = route({
  method: 'post',
  path: '/api/v2/webhooks',
  summary: 'Subscribe an endpoint to live events; the answer holds its signing secret, shown this once',
  description: 'The URL must be https and resolve to public addresses (unless THREADLINE_WEBHOOK_ALLOW_PRIVATE=true); it is checked now and again at every send, on the address actually connected to.',
  tags: ['webhooks'],
  body: bodyOf(createSubscriptionBody),
  responses: { 201: { description: 'Subscribed', schema: subscriptionMade } },
  problems: [],
  scope: 'admin',
  handle: async ({ body, deps, principal, touched, now }) => {
    requireAll(principal);
    const url = await acceptedUrl(deps, body.url);
    const at = now();
    const made = await insertSubscription(deps.store.readModels, { id: newSubscriptionId(), url, events: body.events, filter: body.filter, description: body.description ?? null, secret: newWebhookSecret(), at });
    touched(made.id);
    return { status: 201, body: { ...subscriptionView(made, at), secret: made.secret }, headers: NO_STORE };
  },
});

export const listSubscriptionsRoute = route({
  method: 'get',
  path: '/api/v2/webhooks',
  summary: 'Every webhook subscription, oldest first (never the secrets)',
  tags: ['webhooks'],
  responses: { 200: { description: 'The subscriptions', schema: z.object({ webhooks: z.array(subscriptionInfo) }) } },
  problems: [],
  scope: 'admin',
  handle: async ({ deps, principal, now }) => {
    requireAll(principal);
    const at = now();
    return { status: 200, body: { webhooks: (await listSubscriptions(deps.store.readModels)).map((s) => subscriptionView(s, at)) } };
  },
});

export const getSubscriptionRoute = route({
  ...one,
  method: 'get',
  path: '/api/v2/webhooks/{id}',
  summary: 'One webhook subscription (never its secret)',
  responses: { 200: { description: 'The subscription', schema: subscriptionInfo } },
  problems: ['not_found'],
  handle: async ({ params, deps, principal, touched, now }) => {
    requireAll(principal);
    const s = await findSubscription(deps.store.readModels, params.id);
    if (!s) throw noSuchSubscription(params.id);
    touched(s.id);
    return { status: 200, body: subscriptionView(s, now()) };
  },
});

export const patchSubscriptionRoute = route({
  ...one,
  method: 'patch',
  path: '/api/v2/webhooks/{id}',
  summary: "Change a subscription's url, events, filter or description (a new url is checked as on create)",
  body: bodyOf(patchSubscriptionBody),
  responses: { 200: { description: 'Changed', schema: subscriptionInfo } },
  problems: ['not_found'],
  handle: async ({ params, body, deps, principal, touched, now }) => {
    requireAll(principal);
    const url = body.url === undefined ? undefined : await acceptedUrl(deps, body.url);
    const at = now();
    const s = await updateSubscription(deps.store.readModels, params.id, { url, events: body.events, filter: body.filter, description: body.description }, at);
    if (!s) throw noSuchSubscription(params.id);
    touched(s.id);
    return { status: 200, body: subscriptionView(s, at) };
  },
});

const statusRoute = (action: 'pause' | 'resume') =>
  route({
    ...one,
    method: 'post',
    path: `/api/v2/webhooks/{id}/${action}`,
    summary:
      action === 'pause'
        ? 'Stop sending to an endpoint; what happens meanwhile waits and is sent on resume'
        : 'Send to an endpoint again; a disabled one is re-enabled and its failing streak forgotten',
    responses: { 200: { description: action === 'pause' ? 'Paused' : 'Active', schema: subscriptionInfo } },
    problems: ['not_found'],
    handle: async ({ params, deps, principal, touched, now }) => {
      requireAll(principal);
      const at = now();
      const s = await setSubscriptionStatus(deps.store.readModels, params.id, action === 'pause' ? 'paused' : 'active', at);
      if (!s) throw noSuchSubscription(params.id);
      touched(s.id);
      return { status: 200, body: subscriptionView(s, at) };
    },
  });

export const pauseSubscriptionRoute = statusRoute('pause');
export const resumeSubscriptionRoute = statusRoute('resume');

export const deleteSubscriptionRoute = route({
  ...one,
  method: 'delete',
  path: '/api/v2/webhooks/{id}',
  summary: 'Delete a subscription: nothing more is sent to it',
  responses: { 204: { description: 'Deleted' } },
  problems: ['not_found'],
  handle: async ({ params, deps, principal, touched }) => {
    requireAll(principal);
    if (!(await deleteSubscription(deps.store.readModels, params.id))) throw noSuchSubscription(params.id);
    touched(params.id);
    return { status: 204 };
  },
});

export const rotateSecretRoute = route({
  ...one,
  method: 'post',
  path: '/api/v2/webhooks/{id}/rotate-secret',
  summary: 'Make a new signing secret; the old one keeps signing beside it for overlap_seconds (default one day)',
  description: 'During the overlap every delivery carries two signatures in `webhook-signature`, one per secret, so a receiver can switch at its own pace. The new secret is shown this once.',
  body: bodyOf(rotateSecretBody),
  responses: { 200: { description: 'Rotated', schema: secretRotated } },
  problems: ['not_found'],
  handle: async ({ params, body, deps, principal, touched, now }) => {
    requireAll(principal);
    const at = now();
    const expires = new Date(at.getTime() + body.overlap_seconds * 1000);
    const s = await rotateSubscriptionSecret(deps.store.readModels, params.id, newWebhookSecret(), expires, at);
    if (!s) throw noSuchSubscription(params.id);
    touched(s.id);
    return { status: 200, body: { id: s.id, secret: s.secret, previous_secret_expires_at: expires.toISOString() }, headers: NO_STORE };
  },
});

export const subscriptionRoutes = [
  createSubscriptionRoute,
  listSubscriptionsRoute,
  getSubscriptionRoute,
  patchSubscriptionRoute,
  pauseSubscriptionRoute,
  resumeSubscriptionRoute,
  deleteSubscriptionRoute,
  rotateSecretRoute,
];
