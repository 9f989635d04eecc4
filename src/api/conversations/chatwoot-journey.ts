// Which journey a Chatwoot conversation is, and recording its events there. The journey is opened once under the
// Idempotency-Key `chatwoot:<account>:<conversation>` from the conversation's stable fields (dealer, contact,
// platform, creation time), so any event of it, a message that arrives before conversation_created too, finds it.
import type { Response } from 'express';
import { guidOfIdempotencyKey, openConversation, type LoggedEvent } from '../../application/journeys/index.ts';
import type { ChatwootConversationRef, ChatwootTrackingEvent } from '../../domain/conversations/index.ts';
import { decodeJourneyEvent, journeyStreamName, parseGuid, type TrackingEvent } from '../../domain/journeys/index.ts';
import type { AppDeps } from '../http/deps.ts';
import { admitEventsOrShed } from '../http/load-shedding.ts';
import { ProblemError } from '../http/problems.ts';
import type { HttpRuntime } from '../http/route.ts';

/**
 * Conversation key -> GUID, per store (tests run several in one process). A key names one journey for good, so a hit
 * is never stale; bounded, oldest dropped first. It spares a busy conversation the opening's reads on every event.
 */
const CACHE_MAX = 10_000;
const known = new WeakMap<object, Map<string, string>>();

const cacheOf = (deps: AppDeps): Map<string, string> => {
  let cache = known.get(deps.store);
  if (!cache) known.set(deps.store, (cache = new Map()));
  return cache;
};

/**
 * The conversation's GUID, opened now if it has none. Its details may differ from the opening's later (a
 * `dealer_code` attribute set afterwards, contacts merged): the key still names the journey it opened, which keeps
 * its dealer.
 */
export const journeyOfConversation = async (deps: AppDeps, ref: ChatwootConversationRef, now: Date): Promise<string> => {
  const cache = cacheOf(deps);
  const hit = cache.get(ref.key);
  if (hit) return hit;
  const outcome = await openConversation(deps.store, {
    prefix: deps.config.guidPrefix,
    channel: 'CHAT',
    dealer_code: ref.dealerCode,
    customer_id: ref.customerId,
    started_at: ref.startedAt,
    platform: ref.platform,
    parent_guid: null,
    categories: null,
    idempotencyKey: ref.key,
    now,
  });
  const guid = outcome.ok ? outcome.guid : outcome.error.code === 'idempotency_key_reused' ? await guidOfIdempotencyKey(deps.store, ref.key) : null;
  if (!guid) throw new Error(`Chatwoot conversation ${ref.key}: no journey (${outcome.ok ? 'none' : outcome.error.message})`);
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(ref.key, guid);
  return guid;
};

/** The team the journey carried last by `beforeIso` (an assignment's, an escalation's, a hand-over's target), or null. */
export const lastTeamOf = async (deps: AppDeps, guid: string, beforeIso: string): Promise<string | null> => {
  const { events } = await deps.store.eventStore.readStream(journeyStreamName(guid));
  const before = Date.parse(beforeIso);
  let found: { at: number; team: string } | null = null;
  for (const raw of events) {
    const decoded = decodeJourneyEvent(raw.type, raw.data);
    if (!decoded.ok || decoded.event.type !== 'TrackingEventLogged') continue;
    const e = decoded.event.data;
    const team = e.details['to_team'] ?? e.details['team'];
    const at = Date.parse(e.occurred_at);
    if (typeof team === 'string' && at < before && (!found || at >= found.at)) found = { at, team };
  }
  return found?.team ?? null;
};

/** The mapped events as tracking events of `guid` (channel CHAT, the journey's dealer), received now. */
export const trackingEventsOf = (guid: string, events: readonly ChatwootTrackingEvent[], receivedAt: Date): TrackingEvent[] =>
  events.map((e) => ({
    event_id: e.event_id,
    guid,
    event_type: e.event_type,
    channel: 'CHAT',
    occurred_at: e.occurred_at,
    received_at: receivedAt.toISOString(),
    actor: e.actor,
    dealer_code: parseGuid(guid)?.dealer ?? null,
    session_id: null,
    user_id: null,
    details: e.details,
  }));

/** Appends through the group commit, within the in-flight budget; answers once durable (503 on a store failure: Chatwoot retries). */
export const recordOnJourney = async (http: HttpRuntime, res: Response, guid: string, events: TrackingEvent[]): Promise<LoggedEvent[]> => {
  if (events.length === 0) return [];
  admitEventsOrShed(http, res, events.length);
  const [answers] = await http.commit.submit([[guid, events]]);
  if (answers!.some((a) => a.status === 503)) throw new ProblemError('store_unavailable', 'Not stored: the event store failed; retry (the same events are stored once)', {}, { 'Retry-After': '1' });
  return answers!;
};
