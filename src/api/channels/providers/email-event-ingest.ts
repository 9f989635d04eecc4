// Stores a provider's normalised email events on their journeys, for every provider alike: the journey from the
// GUID the sender attached, or else from the recipient's address; one answer counting what was stored, stored
// before, or skipped. Resolves only once the stored events are durable (providers retry anything but a 2xx).
import type { Response } from 'express';
import { z } from 'zod';
import { hashAddress } from '../../../application/channels/index.ts';
import { emailTrackingEvents, type EmailProvider, type ProviderBatch, type ProviderEmailEvent, type SkipReason, type SkippedEvent } from '../../../domain/channels/index.ts';
import { isGuid, parseGuid, type TrackingEvent } from '../../../domain/journeys/index.ts';
import { openJourneyOfContact } from '../../../projections/channels/index.ts';
import { narrow } from '../../../projections/runner/read-model-db.ts';
import type { AppDeps } from '../../http/deps.ts';
import { admitEventsOrShed } from '../../http/load-shedding.ts';
import type { HttpRuntime } from '../../http/route.ts';
import { recordEvents } from '../channel-events.ts';

export const providerEventsAnswer = z.object({
  accepted: z.number().int().meta({ description: 'Events stored now' }),
  duplicates: z.number().int().meta({ description: 'Events stored before (a redelivery, or the send Threadline recorded itself)' }),
  skipped: z.number().int().meta({ description: 'Events not stored: a type Threadline does not map, no or an unknown journey GUID, a malformed event' }),
});
export type ProviderEventsAnswer = z.infer<typeof providerEventsAnswer>;

type Resolved = { event: ProviderEmailEvent; tracking: TrackingEvent[] } | { skip: SkippedEvent };

/** The journey of an event without a GUID: the open journey that has the recipient's address, looked up once per address. */
const journeyByAddress = (deps: AppDeps) => {
  const found = new Map<string, Promise<string | null>>();
  return (hash: string) => {
    if (!found.has(hash)) found.set(hash, openJourneyOfContact(narrow(deps.db), 'email', hash));
    return found.get(hash)!;
  };
};

const resolve = async (deps: AppDeps, e: ProviderEmailEvent, now: Date, byAddress: (hash: string) => Promise<string | null>): Promise<Resolved> => {
  const skip = (reason: SkipReason, detail: string): Resolved => ({ skip: { reason, detail } });
  const addressHash = e.recipient ? hashAddress(deps.channels.secret, 'email', e.recipient) : null;
  let guid = e.guid;
  if (guid !== null && !isGuid(guid)) return skip('unknown_guid', `${e.providerEvent}: the guid it carries is not a Threadline GUID`);
  guid ??= addressHash ? await byAddress(addressHash) : null;
  if (guid === null) return skip('no_guid', `${e.providerEvent}: no guid in its variables, and no open journey has the recipient's address`);
  if (Date.parse(e.occurredAt) > now.getTime() + deps.config.maxFutureSkewMs) return skip('future_time', `${e.providerEvent}: its time ${e.occurredAt} is ahead of the server's clock`);
  const tracking = emailTrackingEvents(e, { guid, dealerCode: parseGuid(guid)?.dealer ?? null, addressHash, receivedAt: now.toISOString() });
  return tracking.length > 0 ? { event: e, tracking } : skip('no_address', `${e.providerEvent}: no valid recipient address to record it for`);
};

export const ingestProviderBatch = async (deps: AppDeps, http: HttpRuntime, res: Response, provider: EmailProvider, batch: ProviderBatch, now: Date): Promise<ProviderEventsAnswer> => {
  admitEventsOrShed(http, res, batch.events.length);
  const byAddress = journeyByAddress(deps);
  const resolved = await Promise.all(batch.events.map((e) => resolve(deps, e, now, byAddress)));
  const stored = resolved.filter((r): r is Extract<Resolved, { event: ProviderEmailEvent }> => 'event' in r);
  const skipped = [...batch.skipped, ...resolved.flatMap((r) => ('skip' in r ? [r.skip] : []))];
  const results = await recordEvents(http, stored.flatMap((r) => r.tracking));
  let accepted = 0;
  let duplicates = 0;
  let at = 0;
  for (const r of stored) {
    // The provider event counts as its first tracking event does (an opt-out beside its EMAIL_UNSUBSCRIBED follows it).
    const first = results[at]!;
    at += r.tracking.length;
    if (first.status === 201) accepted++;
    else if (first.status === 200) duplicates++;
    else skipped.push({ reason: 'unknown_guid', detail: `${r.event.providerEvent}: no journey has GUID ${r.tracking[0]!.guid}` });
  }
  if (skipped.length > 0) {
    const reasons: Record<string, number> = {};
    for (const s of skipped) reasons[s.reason] = (reasons[s.reason] ?? 0) + 1;
    deps.logger.info({ provider, reasons, examples: skipped.slice(0, 5).map((s) => s.detail) }, 'provider email events skipped');
  }
  return { accepted, duplicates, skipped: skipped.length };
};
