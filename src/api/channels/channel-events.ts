// How channel integrations record tracking events: through the group commit like log-event (durable before the
// answer), or, for the pixel and redirects that must answer at once, in the background.
import { parseGuid, type TrackingEvent } from '../../domain/journeys/index.ts';
import type { Channel } from '../../domain/shared/channels.ts';
import type { LoggedEvent } from '../../application/journeys/index.ts';
import type { AppDeps } from '../http/deps.ts';
import { ProblemError } from '../http/problems.ts';
import type { HttpRuntime } from '../http/route.ts';

/** A tracking event an integration records on a journey, at `at` (event and receipt time), for the GUID's dealer unless `who` names one. */
export const channelEvent = (
  channel: Channel,
  guid: string,
  eventType: string,
  eventId: string,
  at: Date,
  actor: TrackingEvent['actor'],
  details: Record<string, unknown>,
  who: Partial<Pick<TrackingEvent, 'dealer_code' | 'session_id' | 'user_id'>> = {},
): TrackingEvent => ({
  event_id: eventId,
  guid,
  event_type: eventType,
  channel,
  occurred_at: at.toISOString(),
  received_at: at.toISOString(),
  actor,
  dealer_code: parseGuid(guid)?.dealer ?? null,
  session_id: null,
  user_id: null,
  ...who,
  details,
});

/** Appends the events (grouped by journey) and answers once durable; a store failure is a 503 the provider retries. */
export const recordEvents = async (http: HttpRuntime, events: readonly TrackingEvent[]): Promise<LoggedEvent[]> => {
  if (events.length === 0) return [];
  const byGuid = new Map<string, TrackingEvent[]>();
  for (const e of events) byGuid.set(e.guid, [...(byGuid.get(e.guid) ?? []), e]);
  const groups = [...byGuid.entries()];
  const answers = await http.commit.submit(groups);
  const out = new Map<TrackingEvent, LoggedEvent>();
  groups.forEach(([, list], g) => list.forEach((e, k) => out.set(e, answers[g]![k]!)));
  const results = events.map((e) => out.get(e)!);
  if (results.some((r) => r.status === 503)) throw new ProblemError('store_unavailable', 'Not stored: the event store failed; retry (the same events are stored once)', {}, { 'Retry-After': '1' });
  return results;
};

/**
 * Records without making anyone wait (a pixel, a redirect): the answer is already on its way. A failure is logged;
 * the customer's redirect never depends on it.
 */
export const recordInBackground = (deps: AppDeps, http: HttpRuntime, events: readonly TrackingEvent[]): void => {
  // Bounded like any other work in flight: past the events budget (a flood of pixel fetches) the open or click is not
  // recorded, and counted, rather than queued without limit behind the store.
  const release = http.inFlight.admitEvents(events.length);
  if (!release) {
    http.metrics.shed.inc({ reason: 'background_record' });
    deps.logger.warn({ events: events.map((e) => e.event_id) }, 'tracking event not recorded: too much work in flight');
    return;
  }
  recordEvents(http, events)
    .catch((error: unknown) => deps.logger.warn({ err: error, events: events.map((e) => e.event_id) }, 'tracking event not recorded'))
    .finally(release);
};

type ProviderSecret = keyof AppDeps['channels']['providers'];

const VARIABLES: Record<ProviderSecret, string> = {
  twilioAuthToken: 'TWILIO_AUTH_TOKEN',
  sendgridPublicKey: 'SENDGRID_WEBHOOK_PUBLIC_KEY',
  mailgunSigningKey: 'MAILGUN_WEBHOOK_SIGNING_KEY',
};

/** The provider's secret, or a 503 naming the variable to set: unsigned traffic is never accepted. */
export const providerSecret = (deps: AppDeps, name: ProviderSecret): string => {
  const secret = deps.channels.providers[name];
  if (!secret) throw new ProblemError('provider_not_configured', `This webhook is off: set ${VARIABLES[name]} to verify its signatures`, { variable: VARIABLES[name] });
  return secret;
};
