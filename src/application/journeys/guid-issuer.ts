// Issues journey GUIDs exactly once per risk event (or Idempotency-Key), race-free, through stream creation.
import { isExpectedVersionConflictError, type EventStore } from '@event-driven-io/emmett';
import { createHash, randomBytes } from 'node:crypto';
import type { Failure } from '../../domain/shared/errors.ts';
import { decodeGuidReserved, type GuidReserved } from '../../domain/journeys/guid-reservation.ts';
import { decide, initialState } from '../../domain/journeys/journey-decider.ts';
import { decodeJourneyEvent } from '../../domain/journeys/journey-event-codec.ts';
import { journeyStreamName, type JourneyCreatedData, type JourneyEvent } from '../../domain/journeys/journey-events.ts';
import {
  conversationCreated,
  conversationGuid,
  conversationRequestIdentity,
  outreachCreated,
  outreachGuid,
  outreachRequestIdentity,
  riskEventIdentity,
  riskEventIdentityOf,
  type ConversationOpening,
  type OutreachOpening,
} from '../../domain/journeys/journey-opening.ts';
import { MUST_NOT_EXIST, type AppendAtomically, type CommandStore, type StreamAppend } from '../../eventstore/index.ts';

interface IssueRequest {
  idempotencyKey: string | null;
  /** The 6 hex characters; a CSPRNG unless a test needs collisions. */
  randomHex?: () => string;
  /** A GUID the journey already has (migrating another system's history): kept instead of drawing one. */
  guid?: string | null;
}

/** An outreach journey for a risk event. */
export interface GuidRequest extends IssueRequest, OutreachOpening {}

/** A conversation journey opened on a channel (a chat, an inbound SMS, ...). */
export interface ConversationRequest extends IssueRequest, ConversationOpening {}

export type GuidOutcome =
  | { ok: true; guid: string; created: boolean }
  | {
      ok: false;
      error: Failure<'idempotency_key_reused'> | Failure<'risk_event_conflict', { guid: string }> | Failure<'guid_taken'>;
    };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const fingerprintOf = (d: JourneyCreatedData) => d.request_fingerprint ?? sha256(outreachRequestIdentity(d));
const naturalKeyOf = (d: JourneyCreatedData): string | null => {
  const identity = riskEventIdentityOf(d);
  return identity === null ? null : sha256(identity);
};

/** How one new journey is issued, whatever its kind. */
interface Opening {
  newGuid(): string;
  /** The request names its GUID: never draw another. */
  fixed: boolean;
  /** The journey's first event's data for a GUID. */
  created(guid: string): JourneyCreatedData;
  fingerprint: string;
  /** The natural key's hash (outreach: the risk event), or null when the kind has none. */
  naturalKey: string | null;
  /** Reservation streams hold hashes only: no VIN or other PII leaves the journey stream. */
  naturalKeyStream: string | null;
  keyStream: string | null;
}

const randomPart = (r: IssueRequest) => r.randomHex?.() ?? randomBytes(3).toString('hex').toUpperCase();
const idempotencyKeyStream = (key: string | null) => (key ? `guid-idempotency-${sha256(key)}` : null);

const outreachOpening = (r: GuidRequest): Opening => {
  const fingerprint = sha256(outreachRequestIdentity(outreachCreated(r, '')));
  const naturalKey = sha256(riskEventIdentity(r.vin, r.risk_event.component_code, r.risk_event.timestamp));
  return {
    fixed: Boolean(r.guid),
    newGuid: () => r.guid ?? outreachGuid(r, randomPart(r)),
    created: (guid) => ({ ...outreachCreated(r, guid), request_fingerprint: fingerprint }),
    fingerprint,
    naturalKey,
    naturalKeyStream: `guid-request-${naturalKey}`,
    keyStream: idempotencyKeyStream(r.idempotencyKey),
  };
};

const conversationOpening = (r: ConversationRequest): Opening => {
  const fingerprint = sha256(conversationRequestIdentity(r, r.idempotencyKey && sha256(r.idempotencyKey)));
  return {
    fixed: Boolean(r.guid),
    newGuid: () => r.guid ?? conversationGuid(r, randomPart(r)),
    created: (guid) => ({ ...conversationCreated(r, guid), request_fingerprint: fingerprint }),
    fingerprint,
    // A conversation has no natural key: without an Idempotency-Key every request opens a new one.
    naturalKey: null,
    naturalKeyStream: null,
    keyStream: idempotencyKeyStream(r.idempotencyKey),
  };
};

const readReservation = async (store: EventStore, stream: string) => {
  const { events, currentStreamVersion, streamExists } = await store.readStream(stream);
  const last = events.at(-1);
  return { reserved: last ? decodeGuidReserved(last.data) : null, version: currentStreamVersion, streamExists };
};

const rethrowUnlessConflict = (error: unknown): void => {
  if (!isExpectedVersionConflictError(error)) throw error;
};

const creationEvents = (guid: string, o: Opening): JourneyEvent[] => {
  const decision = decide({ type: 'CreateJourney', data: o.created(guid) }, initialState());
  if (!decision.ok) throw new Error(`creating a journey was refused: ${decision.error.message}`);
  return decision.events;
};

const journeyHolding = async (store: EventStore, guid: string, o: Opening) => {
  const { events } = await store.readStream(journeyStreamName(guid), { maxCount: 1n });
  if (!events[0]) return null;
  const decoded = decodeJourneyEvent(events[0].type, events[0].data);
  if (!decoded.ok || decoded.event.type !== 'JourneyCreated') throw new Error(`journey ${guid} does not start with its creation: ${decoded.ok ? decoded.event.type : decoded.error}`);
  const first = decoded.event.data;
  if (fingerprintOf(first) === o.fingerprint) return 'existed';
  // The same risk event told differently is still that risk event: it never gets a second journey.
  return o.naturalKey !== null && naturalKeyOf(first) === o.naturalKey ? 'conflict' : 'taken';
};

/**
 * Creates the journey stream for `guid` unless this request's journey is already there (a retry, or a
 * concurrent twin that read our reservation). Returns 'created', 'existed', 'conflict' when the journey is this
 * risk event's but was opened with other details, or 'taken' when another journey holds the GUID (a random
 * collision). It looks before it writes: where the store appends atomically it runs
 * only after the one-statement create failed, a repeat is then the likely case, and a failed append costs more
 * than a read; elsewhere a new journey pays one read more.
 */
const ensureJourney = async (store: EventStore, guid: string, o: Opening) => {
  const holder = await journeyHolding(store, guid, o);
  if (holder) return holder;
  try {
    await store.appendToStream<JourneyEvent>(journeyStreamName(guid), creationEvents(guid, o), { expectedStreamVersion: MUST_NOT_EXIST });
    return 'created';
  } catch (error) {
    rethrowUnlessConflict(error);
  }
  // Created between the read and the append.
  return (await journeyHolding(store, guid, o)) ?? 'taken';
};

/** Appends a reservation at `expected`; when another request got there first, answers the reservation it made. */
const reserve = async (store: EventStore, stream: string, data: GuidReserved['data'], expected: bigint) => {
  try {
    await store.appendToStream<GuidReserved>(stream, [{ type: 'GuidReserved', data }], { expectedStreamVersion: expected });
    return { guid: data.guid, version: expected + 1n };
  } catch (error) {
    rethrowUnlessConflict(error);
    const { reserved, version } = await readReservation(store, stream);
    return { guid: reserved!.guid, version };
  }
};

/**
 * The common case, a request seen for the first time: its natural key's reservation, its journey and its
 * Idempotency-Key reservation are created in one transaction. Any of them existing already (a repeat, a
 * concurrent twin, a random collision, a reused key) rolls all back, and the stream-by-stream path sorts out
 * which case it is.
 */
const createAtOnce = (append: AppendAtomically, o: Opening, guid: string) => {
  const reservation = (streamName: string): StreamAppend => ({
    streamName,
    events: [{ type: 'GuidReserved', data: { guid, fingerprint: o.fingerprint } } satisfies GuidReserved],
    expectedStreamVersion: MUST_NOT_EXIST,
  });
  return append([
    ...(o.naturalKeyStream ? [reservation(o.naturalKeyStream)] : []),
    { streamName: journeyStreamName(guid), events: creationEvents(guid, o), expectedStreamVersion: MUST_NOT_EXIST },
    ...(o.keyStream ? [reservation(o.keyStream)] : []),
  ]);
};

const MAX_COLLISIONS = 10;

const issueStreamByStream = async (store: EventStore, o: Opening, candidate: string): Promise<GuidOutcome> => {
  const key = o.keyStream ? await readReservation(store, o.keyStream) : null;
  if (key?.reserved && key.reserved.fingerprint !== o.fingerprint) {
    return { ok: false, error: { code: 'idempotency_key_reused', message: 'This Idempotency-Key was used with a different request body' } };
  }
  // The first request for a natural key (or else an Idempotency-Key) reserves a GUID for it; a repeat (or a
  // concurrent twin) gets that one.
  const anchor = o.naturalKeyStream ?? o.keyStream;
  const taken = (guid: string): GuidOutcome => ({ ok: false, error: { code: 'guid_taken', message: `GUID ${guid} belongs to another journey` } });
  if (!anchor && o.fixed) {
    const journey = await ensureJourney(store, candidate, o);
    return journey === 'created' || journey === 'existed' ? { ok: true, guid: candidate, created: journey === 'created' } : taken(candidate);
  }
  if (!anchor) {
    for (let attempt = 0, guid = candidate; attempt < MAX_COLLISIONS; attempt++, guid = o.newGuid()) {
      // Without a key there is no retry to recognise: a journey already there is another's, whatever it holds.
      if ((await ensureJourney(store, guid, o)) === 'created') return { ok: true, guid, created: true };
    }
    throw new Error(`Could not issue a GUID after ${MAX_COLLISIONS} attempts`);
  }
  const held = anchor === o.keyStream ? key! : await readReservation(store, anchor);
  let reservation = held.reserved
    ? { guid: held.reserved.guid, version: held.version }
    : await reserve(store, anchor, { guid: candidate, fingerprint: o.fingerprint }, MUST_NOT_EXIST);
  for (let attempt = 0; attempt < MAX_COLLISIONS; attempt++) {
    if (o.fixed && reservation.guid !== candidate) {
      return { ok: false, error: { code: 'risk_event_conflict', message: `This risk event (VIN, component, timestamp) already has journey ${reservation.guid}`, guid: reservation.guid } };
    }
    const journey = await ensureJourney(store, reservation.guid, o);
    if (journey === 'taken' && o.fixed) return taken(candidate);
    if (journey === 'conflict') {
      return {
        ok: false,
        error: { code: 'risk_event_conflict', message: `This risk event (VIN, component, timestamp) already has journey ${reservation.guid}, opened with other details`, guid: reservation.guid },
      };
    }
    if (journey !== 'taken') {
      if (o.keyStream && o.keyStream !== anchor && !key?.reserved) await reserve(store, o.keyStream, { guid: reservation.guid, fingerprint: o.fingerprint }, MUST_NOT_EXIST);
      return { ok: true, guid: reservation.guid, created: journey === 'created' };
    }
    // Another journey holds this GUID (a random collision): reserve a fresh one for this request.
    reservation = await reserve(store, anchor, { guid: o.newGuid(), fingerprint: o.fingerprint }, reservation.version);
  }
  throw new Error(`Could not issue a GUID after ${MAX_COLLISIONS} attempts`);
};

/** `appendAtomically` makes a new journey one commit instead of two or three. */
const issue = async (store: CommandStore, o: Opening): Promise<GuidOutcome> => {
  const candidate = o.newGuid();
  if (store.appendAtomically && (await createAtOnce(store.appendAtomically, o, candidate))) {
    return { ok: true, guid: candidate, created: true };
  }
  return issueStreamByStream(store.eventStore, o, candidate);
};

export const issueGuid = (store: CommandStore, r: GuidRequest): Promise<GuidOutcome> => issue(store, outreachOpening(r));

export const openConversation = (store: CommandStore, r: ConversationRequest): Promise<GuidOutcome> => issue(store, conversationOpening(r));

/**
 * The GUID an Idempotency-Key opened, whatever request opened it (null: none yet). For an integration whose key
 * names its conversation for good while details it opened it with may change later (a chat platform's attributes).
 */
export const guidOfIdempotencyKey = async (store: CommandStore, key: string): Promise<string | null> =>
  (await readReservation(store.eventStore, idempotencyKeyStream(key)!)).reserved?.guid ?? null;
