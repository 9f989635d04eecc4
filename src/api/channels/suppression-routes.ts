// The per-dealer suppression lists: whether, since when and why an address is opted out of a channel. The address
// is hashed before the lookup; the answer never repeats it.
import { z } from 'zod';
import { hashAddress } from '../../application/channels/index.ts';
import { dealerRestriction } from '../../domain/access/index.ts';
import { dealerCode } from '../../domain/journeys/index.ts';
import { narrow } from '../../projections/runner/read-model-db.ts';
import { suppressionsOf } from '../../projections/channels/index.ts';
import { invalid } from '../http/problems.ts';
import { route, type AnyRoute } from '../http/route.ts';

const CHANNELS = { email: { channel: 'EMAIL', kind: 'email' }, sms: { channel: 'SMS', kind: 'phone' } } as const;

const params = z.object({
  channel: z
    .string()
    .transform((c) => c.toLowerCase())
    .pipe(z.enum(['email', 'sms'], { message: 'email or sms' })),
  address: z.string().min(1).max(254),
});

const entry = z.object({
  dealer_code: z.string(),
  suppressed: z.boolean().describe('False once an opt-in from the same address lifted it'),
  since: z.string().describe('Event time of the opt-out in force, or of the opt-in that lifted it'),
  origin: z.record(z.string(), z.unknown()).describe('kind (keyword, link, provider, api), provider, raw_text'),
  guid: z.string().describe('The journey whose event decided it'),
  event_id: z.string(),
});

const answer = z.object({
  channel: z.enum(['EMAIL', 'SMS']),
  suppressed: z.boolean().describe('Opted out at any dealer asked about (or in the caller\u2019s scope)'),
  since: z.string().nullable().describe('The earliest opt-out in force'),
  dealers: z.array(entry),
});

export const getSuppression = route({
  method: 'get',
  path: '/api/v2/channels/{channel}/suppressions/{address}',
  summary: 'Whether an address is opted out of a channel, per dealer, since when and how',
  description:
    'The address (an email address for `email`, an E.164 number for `sms`; URL-encode `+` as `%2B` or send it as is) is hashed with the channel secret before the lookup. Answers for the dealers in the caller\u2019s scope, or the one named by `dealer_code`. Opt-outs come from STOP replies, one-click unsubscribes and the providers\u2019 unsubscribe events; an opt-in (START) lifts only the same address\u2019s entry.',
  tags: ['channels'],
  params,
  query: z.object({ dealer_code: dealerCode.optional() }),
  responses: { 200: { description: 'The suppression entries (an empty list: never opted out)', schema: answer } },
  problems: [],
  // The senders who must honour the list (channel systems, the portal) hold write keys; a channel key reads nothing else.
  scope: 'journeys:write',
  handle: async ({ params: p, query, deps, principal }) => {
    const { channel, kind } = CHANNELS[p.channel];
    const hash = hashAddress(deps.channels.secret, kind, p.address);
    if (hash === null) throw invalid([{ path: 'address', message: kind === 'email' ? 'an email address' : 'an E.164 phone number, e.g. +13135550123' }]);
    const scope = dealerRestriction(principal);
    const wanted = query.dealer_code ? (scope === null || scope.includes(query.dealer_code) ? [query.dealer_code] : []) : (scope ?? 'all');
    const rows = await suppressionsOf(narrow(deps.db), channel, hash, wanted);
    const dealers = rows.map((r) => ({ dealer_code: r.dealer_code, suppressed: r.suppressed, since: r.since.toISOString(), origin: (r.origin ?? {}) as Record<string, unknown>, guid: r.guid, event_id: r.event_id }));
    const inForce = dealers.filter((d) => d.suppressed).map((d) => d.since).sort();
    return { status: 200, body: { channel, suppressed: inForce.length > 0, since: inForce[0] ?? null, dealers } };
  },
});

export const suppressionRoutes: readonly AnyRoute[] = [getSuppression as AnyRoute];
