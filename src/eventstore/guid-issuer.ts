// Issues journey GUIDs exactly once per risk event (or Idempotency-Key), race-free, through stream creation.
import { isExpectedVersionConflictError, type EventStore } from '@event-driven-io/emmett';
import { MUST_NOT_EXIST } from './store.ts';
import { createHash, randomBytes } from 'node:crypto';
import { formatGuid, severityCode, utcDate } from '../domain/guid.ts';
import type { JourneyCreatedData, RiskEvent } from '../domain/journey-events.ts';
import { executeJourneyCommand } from './journey-commands.ts';

export interface GuidRequest {
  prefix: string;
  vin: string;
  dealer_code: string;
  customer_id: string | null;
  risk_event: RiskEvent;
  idempotencyKey: string | null;
  now: Date;
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
    random: randomBytes(3).toString('hex').toUpperCase(),
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

/**
 * Creates the journey stream for `guid` unless this request's journey is already there. Returns 'created',
 * 'existed', or 'taken' when another journey holds the GUID (a random collision).
 */
const ensureJourney = async (store: EventStore, guid: string, r: GuidRequest) => {
  const outcome = await executeJourneyCommand(store, guid, { type: 'CreateJourney', data: createdData(guid, r) });
  if (outcome.ok) return 'created';
  const { events } = await store.readStream<{ type: 'JourneyCreated'; data: JourneyCreatedData }>(`journey-${guid}`, { maxCount: 1n });
  const first = events[0]?.data;
  return first && fingerprintOf(first) === fingerprintOf(r) ? 'existed' : 'taken';
};

export const issueGuid = async (store: EventStore, r: GuidRequest): Promise<GuidOutcome> => {
  const fingerprint = fingerprintOf(r);
  const keyStream = r.idempotencyKey ? idempotencyKeyStream(r.idempotencyKey) : null;
  if (keyStream) {
    const { reserved } = await readReservation(store, keyStream);
    if (reserved && reserved.fingerprint !== fingerprint) {
      return { ok: false, error: { code: 'idempotency_key_reused', message: 'This Idempotency-Key was used with a different request body' } };
    }
  }
  const stream = naturalKeyStream(r);
  for (let attempt = 0; attempt < 10; attempt++) {
    const { reserved, version, streamExists } = await readReservation(store, stream);
    const guid = reserved?.guid ?? newGuid(r);
    if (!reserved) {
      try {
        await store.appendToStream<GuidReserved>(stream, [{ type: 'GuidReserved', data: { guid, fingerprint } }], {
          expectedStreamVersion: MUST_NOT_EXIST,
        });
      } catch (error) {
        if (isExpectedVersionConflictError(error)) continue; // a concurrent request reserved first: use its GUID
        throw error;
      }
    }
    const journey = await ensureJourney(store, guid, r);
    if (journey === 'taken') {
      // Another journey holds this GUID: reserve a fresh one for this risk event and try again.
      await store
        .appendToStream<GuidReserved>(stream, [{ type: 'GuidReserved', data: { guid: newGuid(r), fingerprint } }], {
          expectedStreamVersion: streamExists ? version : 1n,
        })
        .catch((error: unknown) => {
          if (!isExpectedVersionConflictError(error)) throw error;
        });
      continue;
    }
    if (keyStream) {
      await store
        .appendToStream<GuidReserved>(keyStream, [{ type: 'GuidReserved', data: { guid, fingerprint } }], { expectedStreamVersion: MUST_NOT_EXIST })
        .catch((error: unknown) => {
          if (!isExpectedVersionConflictError(error)) throw error;
        });
    }
    return { ok: true, guid, created: journey === 'created' };
  }
  throw new Error('Could not issue a GUID after 10 attempts');
};
