// The webhook subscription API's schemas: what a subscription is made and changed with, and how one is shown
// (never its secret, except in the answers that make one).
import { z } from 'zod';
import { dealerCode, EVENT_TYPE_PATTERN, JOURNEY_KINDS, type JourneyKind } from '../../domain/journeys/index.ts';
import { LIVE_EVENT_NAMES } from '../../domain/live/index.ts';

const kinds = Object.keys(JOURNEY_KINDS) as [JourneyKind, ...JourneyKind[]];

export const subscriptionEvents = z
  .array(z.union([z.enum(LIVE_EVENT_NAMES), z.literal('*')]))
  .min(1)
  .max(LIVE_EVENT_NAMES.length + 1)
  .refine((e) => !e.includes('*') || e.length === 1, '`*` (every event) stands alone')
  .transform((e) => [...new Set(e)])
  .meta({ description: `The events to receive: any of ${LIVE_EVENT_NAMES.join(', ')}; or \`["*"]\` for every event, including ones added later` });

export const subscriptionFilter = z
  .strictObject({
    dealer_code: dealerCode.optional().meta({ description: "Only this dealer's journeys" }),
    kind: z.enum(kinds).optional().meta({ description: 'Only journeys of this kind' }),
    event_types: z
      .array(z.string().max(64).regex(EVENT_TYPE_PATTERN, 'UPPER_SNAKE_CASE, e.g. EMAIL_OPENED'))
      .min(1)
      .max(100)
      .optional()
      .meta({ description: '`event.logged` only for these tracking event types (other events are not narrowed by it)' }),
  })
  .meta({ description: 'Narrows the events; an absent field means every one' });

const url = z.string().min(1).max(2048).meta({ description: 'Where to POST: https, on a public address (see THREADLINE_WEBHOOK_ALLOW_PRIVATE)' });
const description = z.string().max(500).nullable().meta({ description: 'What the endpoint is for (shown in lists)' });

export const createSubscriptionBody = z.strictObject({
  url,
  events: subscriptionEvents,
  filter: subscriptionFilter.default({}),
  description: description.optional(),
});

export const patchSubscriptionBody = z.strictObject({
  url: url.optional(),
  events: subscriptionEvents.optional(),
  filter: subscriptionFilter.optional().meta({ description: 'Replaces the whole filter (`{}` for none)' }),
  description: description.optional(),
});

const DAY = 86_400;
export const rotateSecretBody = z.strictObject({
  overlap_seconds: z
    .number()
    .int()
    .min(0)
    .max(30 * DAY)
    .default(DAY)
    .meta({ description: 'How long the old secret keeps signing beside the new one (0: from now on the new one only)' }),
});

export const subscriptionParams = z.strictObject({ id: z.string().regex(/^wh_[0-9A-Za-z]{1,64}$/, 'a subscription id (wh_…)') });

export const subscriptionInfo = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  filter: z.object({ dealer_code: z.string().optional(), kind: z.string().optional(), event_types: z.array(z.string()).optional() }),
  description: z.string().nullable(),
  status: z.enum(['active', 'paused', 'disabled']),
  disabled_reason: z.string().nullable().meta({ description: 'Why the dispatcher disabled it (a 410, or failing for days)' }),
  failing_since: z.string().nullable().meta({ description: 'Since when every delivery has failed; null while it answers' }),
  previous_secret_expires_at: z.string().nullable().meta({ description: 'During a rotation: until when the old secret still signs' }),
  created_at: z.string(),
  updated_at: z.string(),
});

const secret = z.string().meta({ description: '`whsec_` + base64: the signing secret, shown in this answer only' });

export const subscriptionMade = subscriptionInfo.extend({ secret });

export const secretRotated = z.object({
  id: z.string(),
  secret,
  previous_secret_expires_at: z.string().meta({ description: 'Until then every delivery carries a signature with each secret' }),
});
