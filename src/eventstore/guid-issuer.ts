// Issues journey GUIDs exactly once per risk event (or Idempotency-Key), race-free, through stream creation.
import { isExpectedVersionConflictError, type EventStore } from '@event-driven-io/emmett';
import { MUST_NOT_EXIST, type AppendAtomically, type CommandStore, type StreamAppend } from './store.ts';
import { createHash, randomBytes } from 'node:crypto';
import { formatGuid, severityCode, utcDate } from '../domain/guid.ts';
import { decide, initialState } from '../domain/journey-decider.ts';
import { journeyStreamName, type JourneyCreatedData, type JourneyEvent, type RiskEvent } from '../domain/journey-events.ts';

export interface GuidRequest {
  prefix: string;
  vin: string;
  dealer_code: string;
  customer_id: string | null;
  risk_event: RiskEvent;
  idempotencyKey: string | null;
  now: Date;
  /** The 6 hex characters; a CSPRNG unless a test needs collisions. */
  randomHex?: () => string;
}

export type GuidOutcome =
  | { ok: true; guid: string; created: boolean }
  | { ok: false; error: { code: 'idempotency_key_reused'; message: string } };

type GuidReserved = { type: 'GuidReserved'; data: { guid: string; fingerprint: string } };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

// Reservation streams hold hashes only: no VIN or other PII leaves the journey stream.
const naturalKeyStream = (r: GuidRequest) =>
  `guid-request-${sha256(`${r.vin.toUpperCase()}|${r.risk_event.component_code.toUpperCase()}|${new Date(r.risk_event.timestamp).toISOString()}`)}`;
const idempotencyKeyStream = (key: string) => `guid-idempotency-${sha256(key)}`;

type Fingerprinted = Pick<JourneyCreatedData, 'dealer_code' | 'customer_id'> & { vin: string | null; risk_event: RiskEvent | null };

/** What makes two requests the same; compared for an Idempotency-Key and to recognise our own journey. */
const fingerprintOf = (r: Fingerprinted) =>
  sha256(JSON.stringify([r.vin?.toUpperCase(), r.dealer_code, r.customer_id, r.risk_event?.component_code.toUpperCase(), r.risk_event?.severity.toUpperCase(), r.risk_event?.risk_score, r.risk_event && new Date(r.risk_event.timestamp).toISOString(), r.risk_event?.failure_probability ?? null]));


const newGuid = (r: GuidRequest) =>
  formatGuid({
    prefix: r.prefix,
    date: utcDate(r.risk_event.timestamp),
    component: r.risk_event.component_code.toUpperCase(),
    code: severityCode(r.risk_event.severity)!,
    dealer: r.dealer_code,
    random: r.randomHex?.() ?? randomBytes(3).toString('hex').toUpperCase(),
  });

const createdData = (guid: string, r: GuidRequest): JourneyCreatedData => ({
  guid,
  kind: 'outreach',
  created_at: r.now.toISOString(),
  dealer_code: r.dealer_code,
  vin: r.vin.toUpperCase(),
  customer_id: r.customer_id,
  risk_event: { ...r.risk_event, component_code: r.risk_event.component_code.toUpperCase(), severity: r.risk_event.severity.toUpperCase() },
  channel: null,
});

const readReservation = async (store: EventStore, stream: string) => {
  const { events, currentStreamVersion, streamExists } = await store.readStream<GuidReserved>(stream);
  return { reserved: events.at(-1)?.data ?? null, version: currentStreamVersion, streamExists };
};

const rethrowUnlessConflict = (error: unknown): void => {
  if (!isExpectedVersionConflictError(error)) throw error;
};

const creationEvents = (guid: string, r: GuidRequest): JourneyEvent[] => {
  const decision = decide({ type: 'CreateJourney', data: createdData(guid, r) }, initialState());
  if (!decision.ok) throw new Error(`creating a journey was refused: ${decision.error.message}`);
  return decision.events;
};

/**
 * Creates the journey stream for `guid` unless this request's journey is already there. Returns 'created',
 * 'existed', or 'taken' when another journey holds the GUID (a random collision). Optimistic: the common case
 * (a new journey) is one append and no read.
 */
const ensureJourney = async (store: EventStore, guid: string, r: GuidRequest) => {
  try {
    await store.appendToStream<JourneyEvent>(journeyStreamName(guid), creationEvents(guid, r), { expectedStreamVersion: MUST_NOT_EXIST });
    return 'created';
  } catch (error) {
    rethrowUnlessConflict(error);
  }
  const { events } = await store.readStream<{ type: 'JourneyCreated'; data: JourneyCreatedData }>(journeyStreamName(guid), { maxCount: 1n });
  const first = events[0]?.data;
  return first && fingerprintOf(first) === fingerprintOf(r) ? 'existed' : 'taken';
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
 * The common case, a risk event seen for the first time: its reservation, its journey and its Idempotency-Key
 * reservation are created in one transaction. Any of them existing already (a repeat, a concurrent twin, a
 * random collision, a reused key) rolls all back, and the stream-by-stream path sorts out which case it is.
 */
const createAtOnce = (append: AppendAtomically, r: GuidRequest, guid: string, fingerprint: string, keyStream: string | null) => {
  const reservation = (streamName: string): StreamAppend => ({
    streamName,
    events: [{ type: 'GuidReserved', data: { guid, fingerprint } } satisfies GuidReserved],
    expectedStreamVersion: MUST_NOT_EXIST,
  });
  return append([
    reservation(naturalKeyStream(r)),
    { streamName: journeyStreamName(guid), events: creationEvents(guid, r), expectedStreamVersion: MUST_NOT_EXIST },
    ...(keyStream ? [reservation(keyStream)] : []),
  ]);
};

const issueStreamByStream = async (store: EventStore, r: GuidRequest, candidate: string, fingerprint: string, keyStream: string | null): Promise<GuidOutcome> => {
  if (keyStream) {
    const { reserved } = await readReservation(store, keyStream);
    if (reserved && reserved.fingerprint !== fingerprint) {
      return { ok: false, error: { code: 'idempotency_key_reused', message: 'This Idempotency-Key was used with a different request body' } };
    }
  }
  const stream = naturalKeyStream(r);
  // The first request for a risk event reserves a GUID for it; a repeat (or a concurrent twin) gets that one.
  let reservation = await reserve(store, stream, { guid: candidate, fingerprint }, MUST_NOT_EXIST);
  for (let attempt = 0; attempt < 10; attempt++) {
    const journey = await ensureJourney(store, reservation.guid, r);
    if (journey !== 'taken') {
      if (keyStream) await reserve(store, keyStream, { guid: reservation.guid, fingerprint }, MUST_NOT_EXIST);
      return { ok: true, guid: reservation.guid, created: journey === 'created' };
    }
    // Another journey holds this GUID (a random collision): reserve a fresh one for this risk event.
    reservation = await reserve(store, stream, { guid: newGuid(r), fingerprint }, reservation.version);
  }
  throw new Error('Could not issue a GUID after 10 attempts');
};

/** `appendAtomically` makes a new journey one commit instead of two or three. */
export const issueGuid = async (store: CommandStore, r: GuidRequest): Promise<GuidOutcome> => {
  const fingerprint = fingerprintOf(r);
  const keyStream = r.idempotencyKey ? idempotencyKeyStream(r.idempotencyKey) : null;
  const candidate = newGuid(r);
  if (store.appendAtomically && (await createAtOnce(store.appendAtomically, r, candidate, fingerprint, keyStream))) {
    return { ok: true, guid: candidate, created: true };
  }
  return issueStreamByStream(store.eventStore, r, candidate, fingerprint, keyStream);
};
