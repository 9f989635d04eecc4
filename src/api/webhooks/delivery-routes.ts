// An endpoint's deliveries (each with every attempt; the dead letters are `failed`) and replay with the original
// webhook-ids, for admins with every dealer in scope (as subscription management).
import { z } from 'zod';
import { DELIVERY_STATUSES, deliveryCounts, findSubscription, listDeliveries, replayDeliveries } from '../../projections/webhooks/index.ts';
import { requireAllDealers } from '../http/dealer-scope.ts';
import { invalid, ProblemError } from '../http/problems.ts';
import { route } from '../http/route.ts';
import type { Parsed } from '../../domain/shared/violation.ts';
import { toViolations } from '../../domain/shared/violation.ts';
import { subscriptionParams } from './subscription-schemas.ts';
import { noSuchSubscription } from './subscription-view.ts';

const isoDateTime = z.iso.datetime({ offset: true });

const attemptJson = z.object({
  at: z.string(),
  status_code: z.number().int().nullable().meta({ description: 'The HTTP status answered; null when there was no answer' }),
  error: z.string().nullable().meta({ description: 'A network error, a timeout or a refused destination' }),
  latency_ms: z.number().int(),
  response_excerpt: z.string().nullable().meta({ description: 'The first 500 characters of the answer body' }),
});

const deliveryJson = z.object({
  id: z.string(),
  webhook_id: z.string().meta({ description: 'The envelope id, sent as webhook-id on every attempt and replay' }),
  event_type: z.string(),
  status: z.enum(DELIVERY_STATUSES).meta({ description: '`failed` is a dead letter; `cancelled`: its endpoint was disabled' }),
  attempt_count: z.number().int().meta({ description: 'Attempts since it was last queued (a replay starts a new schedule)' }),
  replays: z.number().int(),
  next_attempt_at: z.string().nullable(),
  last_status: z.string().nullable(),
  created_at: z.string(),
  delivered_at: z.string().nullable(),
  attempts: z.array(attemptJson).meta({ description: 'Every attempt, oldest first, replays included' }),
});

const countsJson = z.object(Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, z.number().int()])) as Record<(typeof DELIVERY_STATUSES)[number], z.ZodNumber>);

export const listDeliveriesRoute = route({
  method: 'get',
  path: '/api/v2/webhooks/{id}/deliveries',
  summary: "An endpoint's deliveries, newest first, each with every attempt; status=failed lists the dead letters",
  tags: ['webhooks'],
  params: subscriptionParams,
  paramsProblem: 'not_found',
  query: z.object({
    status: z.enum(DELIVERY_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().max(500).optional().describe('next_cursor of the page before'),
  }),
  responses: { 200: { description: 'A page of deliveries and the count in each status', schema: z.object({ counts: countsJson, deliveries: z.array(deliveryJson), next_cursor: z.string().nullable() }) } },
  problems: ['not_found'],
  scope: 'admin',
  handle: async ({ params, query, deps, principal, touched }) => {
    requireAllDealers(principal, 'Webhook deliveries');
    const db = deps.store.readModels;
    if (!(await findSubscription(db, params.id))) throw noSuchSubscription(params.id);
    touched(params.id);
    const page = await listDeliveries(db, params.id, { status: query.status, limit: query.limit, cursor: query.cursor });
    if (!page) throw invalid([{ path: 'cursor', message: 'a next_cursor this list answered' }]);
    return { status: 200, body: { counts: await deliveryCounts(db, params.id), ...page } };
  },
});

const replayBody = z.union([
  z.strictObject({ message_id: z.string().regex(/^msg_[0-9a-f]{24}$/, 'a message id (msg_ + 24 hex digits)').meta({ description: 'One message: its webhook-id' }) }),
  z.strictObject({
    since: isoDateTime.meta({ description: 'Event time, inclusive' }),
    until: isoDateTime.optional().meta({ description: 'Event time, exclusive (default: now)' }),
  }),
]);
type ReplayBody = { messageId: string } | { since: Date; until: Date | null };

const parseReplay = (input: unknown): Parsed<ReplayBody> => {
  const parsed = replayBody.safeParse(input);
  if (!parsed.success) return { ok: false, violations: toViolations(parsed.error) };
  const b = parsed.data;
  if ('message_id' in b) return { ok: true, value: { messageId: b.message_id } };
  const since = new Date(b.since);
  const until = b.until === undefined ? null : new Date(b.until);
  if (until && until <= since) return { ok: false, violations: [{ path: 'until', message: 'must be after since' }] };
  return { ok: true, value: { since, until } };
};

export const replayRoute = route({
  method: 'post',
  path: '/api/v2/webhooks/{id}/replay',
  summary: 'Send messages to this endpoint again, with their original webhook-ids: one message, or an event-time range',
  description:
    "Each envelope the endpoint subscribes to (its events and filter) is queued again for this endpoint only: a delivered or dead-lettered delivery starts a fresh retry schedule (its attempt history is kept and its `replays` count goes up); one still pending is made due now. Receivers deduplicate on webhook-id, so a replay of something they already have is harmless.",
  tags: ['webhooks'],
  params: subscriptionParams,
  paramsProblem: 'not_found',
  body: { schema: replayBody, parse: parseReplay },
  responses: { 202: { description: 'Queued', schema: z.object({ queued: z.number().int() }) } },
  problems: ['not_found'],
  scope: 'admin',
  handle: async ({ params, body, deps, principal, touched, now }) => {
    requireAllDealers(principal, 'Webhook replay');
    const db = deps.store.readModels;
    const sub = await findSubscription(db, params.id);
    if (!sub) throw noSuchSubscription(params.id);
    touched(params.id);
    const at = now();
    const queued = await replayDeliveries(db, sub, 'messageId' in body ? body : { since: body.since, until: body.until ?? at }, at);
    if (queued === null) throw new ProblemError('not_found', `No message ${'messageId' in body ? body.messageId : ''} this endpoint subscribes to`);
    return { status: 202, body: { queued } };
  },
});

export const deliveryRoutes = [listDeliveriesRoute, replayRoute];
