// The crash bench's clients: what they send (journeys, events, batches, resends) and what they were told, booked
// answer by answer, with every answer that contradicts an earlier one.
import { log } from './bench-harness.ts';
import type { HttpResult } from './load-generator.ts';

export type Mode = 'pglite' | 'postgres';

/** mulberry32: a small seeded PRNG, so that a seed gives the same request mix and kill schedule. */
export const prng = (seed: number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};
export type Rng = ReturnType<typeof prng>;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

// ---------------------------------------------------------------------------------------------------------------
// Request bodies: a unique VIN per journey, explicit event_ids, event times after the journey's risk event (so that
// late and out-of-order events revise timelines, as they do in production).
const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const vinOf = (mode: Mode, n: number) => {
  let s = '';
  for (let k = n; s.length < 14; k = Math.floor(k / VIN_CHARS.length)) s = VIN_CHARS[k % VIN_CHARS.length] + s;
  return `CR${mode === 'pglite' ? 'G' : 'P'}${s}`;
};
const RISK_BASE = Date.UTC(2024, 11, 7, 10);
type GuidBody = { vin: string; dealer_code: string; risk_event: { component_code: string; severity: string; risk_score: number; timestamp: string } };
type EventBody = { guid: string; event_type: string; channel: string; event_id: string; occurred_at: string; details: Record<string, unknown> };
const EVENT_KINDS: [weight: number, type: string, channel: string, details: (rng: Rng, id: string) => Record<string, unknown>][] = [
  [20, 'EMAIL_SENT', 'EMAIL', () => ({ template_id: 'risk-alert' })],
  [12, 'EMAIL_OPENED', 'EMAIL', () => ({})],
  [6, 'EMAIL_CLICKED', 'EMAIL', () => ({})],
  [14, 'SMS_SENT', 'SMS', () => ({ segments: 1 })],
  [6, 'SMS_RECEIVED', 'SMS', () => ({ keyword: 'YES' })],
  [10, 'CALL_INITIATED', 'PHONE', () => ({})],
  [10, 'CALL_COMPLETED', 'PHONE', (rng) => ({ outcome: pick(rng, ['connected', 'voicemail', 'no_answer']), duration_seconds: Math.floor(rng() * 600) })],
  [6, 'PORTAL_SESSION_START', 'PORTAL', () => ({})],
  [3, 'PORTAL_SCHEDULE_APPOINTMENT', 'PORTAL', (_rng, id) => ({ appointment_id: `apt-${id}` })],
  [2, 'SERVICED', 'SYSTEM', (rng) => ({ revenue: Math.round(rng() * 90_000) / 100 })],
  [1, 'DEALER_FOLLOW_UP', 'PORTAL', () => ({ note: 'free-form type' })],
];
const TOTAL_WEIGHT = EVENT_KINDS.reduce((s, k) => s + k[0], 0);

export type Req =
  | { kind: 'guid'; body: GuidBody; guid?: string }
  | { kind: 'event'; body: EventBody }
  | { kind: 'batch'; body: { events: EventBody[] } };
export const PATHS = { guid: '/api/v2/tracking/generate-guid', event: '/api/v2/tracking/log-event', batch: '/api/v2/tracking/events' } as const;

// ---------------------------------------------------------------------------------------------------------------
/** What the clients were told, and everything that contradicts the promise as it happened. */
export class Ledger {
  constructor(
    readonly mode: Mode,
    readonly seed: number,
  ) {}

  ackedEvents = new Map<string, string>();
  issuedEvents = new Set<string>();
  guids: string[] = [];
  guidBodies = new Map<string, GuidBody>();
  riskAt = new Map<string, number>();
  /** Answered event requests, to send again (bounded sample). */
  answered: Req[] = [];
  /** Requests cut by a kill that the client will send again. */
  toRetry: Req[] = [];
  sent = { guid: 0, event: 0, batch: 0, retryAnswered: 0, retryCut: 0 };
  failed = { cutInFlight: 0, refusedWhileDown: 0, whileUp: 0 };
  retryCutFoundStored = 0;
  retryCutNewlyStored = 0;
  /** Cut batches that, sent again, were found partly stored: a batch is one atomic append, so this should stay 0. */
  partlyStoredBatches = 0;
  retryAnsweredDuplicates = 0;
  /** Answers a correct server never gives (a retry of an acknowledged event answered 201, a 4xx/5xx, ...). */
  contradictions: string[] = [];
  unexpected: Record<string, number> = {};
  nextVin = 0;
  nextEvent = 0;

  contradiction(msg: string) {
    if (this.contradictions.length < 50) this.contradictions.push(msg);
    log(`CONTRADICTION: ${msg}`);
  }
  /** A request cut by a kill, sent again: was this item of it stored before the kill? */
  retryCut(foundStored: boolean) {
    if (foundStored) this.retryCutFoundStored++;
    else this.retryCutNewlyStored++;
  }
  ackEvent(id: string, guid: string) {
    this.ackedEvents.set(id, guid);
  }
  ackGuid(guid: string, body: GuidBody) {
    if (this.guidBodies.has(guid)) return;
    this.guids.push(guid);
    this.guidBodies.set(guid, body);
    this.riskAt.set(guid, Date.parse(body.risk_event.timestamp));
  }
  remember(req: Req, rng: Rng) {
    if (this.answered.length < 5000) this.answered.push(req);
    else this.answered[Math.floor(rng() * this.answered.length)] = req;
  }
}

const newGuidReq = (l: Ledger, rng: Rng): Req => {
  const n = l.nextVin++;
  return {
    kind: 'guid',
    body: {
      vin: vinOf(l.mode, n),
      dealer_code: pick(rng, ['DET001', 'CHI002', 'DAL003']),
      risk_event: { component_code: pick(rng, ['BAT', 'BRK', 'ENG', 'TRN']), severity: pick(rng, ['CRITICAL', 'HIGH', 'MODERATE']), risk_score: 50 + Math.floor(rng() * 50), timestamp: new Date(RISK_BASE + n * 37_000).toISOString() },
    },
  };
};

const eventBody = (l: Ledger, rng: Rng, guid: string): EventBody => {
  const id = `crash-${l.mode}-${l.seed}-${l.nextEvent++}`;
  l.issuedEvents.add(id);
  let w = rng() * TOTAL_WEIGHT;
  const kind = EVENT_KINDS.find((k) => (w -= k[0]) < 0) ?? EVENT_KINDS[0]!;
  const occurredAt = l.riskAt.get(guid)! + 60_000 + Math.floor(rng() * 14 * 86_400_000);
  return { guid, event_type: kind[1], channel: kind[2], event_id: id, occurred_at: new Date(occurredAt).toISOString(), details: kind[3](rng, id) };
};

/** The next request of a client: mostly new journeys, events and batches; some resends of answered or cut requests. */
export const nextRequest = (l: Ledger, rng: Rng, serverUp: boolean): { req: Req; as: keyof Ledger['sent'] } => {
  if (l.guids.length === 0) return { req: newGuidReq(l, rng), as: 'guid' };
  if (serverUp && l.toRetry.length > 0 && rng() < 0.3) return { req: l.toRetry.shift()!, as: 'retryCut' };
  const x = rng();
  if (x < 0.1) return { req: newGuidReq(l, rng), as: 'guid' };
  if (x < 0.13) {
    const guid = pick(rng, l.guids);
    return { req: { kind: 'guid', body: l.guidBodies.get(guid)!, guid }, as: 'retryAnswered' };
  }
  if (x < 0.2 && l.answered.length > 0) return { req: pick(rng, l.answered), as: 'retryAnswered' };
  if (x < 0.35) {
    const journeys = Array.from({ length: 2 + Math.floor(rng() * 5) }, () => pick(rng, l.guids));
    const n = 10 + Math.floor(rng() * 91);
    return { req: { kind: 'batch', body: { events: Array.from({ length: n }, () => eventBody(l, rng, pick(rng, journeys))) } }, as: 'batch' };
  }
  return { req: { kind: 'event', body: eventBody(l, rng, pick(rng, l.guids)) }, as: 'event' };
};

/** Books one answer: what it acknowledged, and whether it contradicts an earlier one; returns a journey it wrote to. */
export const book = (l: Ledger, req: Req, as: keyof Ledger['sent'], r: HttpResult, rng: Rng): string | undefined => {
  const unexpected = (): undefined => {
    const key = `${req.kind} ${r.status} ${r.body.slice(0, 160)}`;
    l.unexpected[key] = (l.unexpected[key] ?? 0) + 1;
    l.contradiction(`unexpected answer to ${as} ${req.kind}: ${r.status} ${r.body.slice(0, 300)}`);
    return undefined;
  };
  if (req.kind === 'guid') {
    if (r.status !== 201 && r.status !== 200) return unexpected();
    const { guid } = JSON.parse(r.body) as { guid: string };
    if (as === 'retryAnswered' && (r.status !== 200 || guid !== req.guid)) l.contradiction(`generate-guid sent again for ${req.guid} answered ${r.status} ${guid}`);
    if (as === 'retryCut') l.retryCut(r.status === 200);
    l.ackGuid(guid, req.body);
    return guid;
  }
  const results: { status: number; event_id: string; guid: string }[] = [];
  if (req.kind === 'event') {
    if (r.status !== 201 && r.status !== 200) return unexpected();
    results.push({ status: r.status, event_id: req.body.event_id, guid: req.body.guid });
  } else {
    if (r.status !== 200) return unexpected();
    const answer = JSON.parse(r.body) as { results: { status?: number; success: boolean; event_id?: string }[] };
    answer.results.forEach((x, i) => {
      const sent = req.body.events[i]!;
      if (!x.success || (x.status !== 201 && x.status !== 200) || x.event_id !== sent.event_id) return l.contradiction(`batch event ${i} (${sent.event_id}) answered ${JSON.stringify(x).slice(0, 300)}`);
      results.push({ status: x.status, event_id: sent.event_id, guid: sent.guid });
    });
  }
  if (as === 'retryCut' && req.kind === 'batch' && new Set(results.map((x) => x.status)).size > 1) {
    l.partlyStoredBatches++;
    log(`a cut batch was found partly stored when sent again: ${results.map((x) => `${x.event_id} ${x.status}`).join(', ').slice(0, 1500)}`);
  }
  for (const x of results) {
    if (as === 'retryAnswered') {
      if (x.status === 201) l.contradiction(`${x.event_id} answered 201 again: an acknowledged event was stored as new a second time (or its first 2xx was not durable)`);
      else l.retryAnsweredDuplicates++;
    }
    if (as === 'retryCut') l.retryCut(x.status === 200);
    l.ackEvent(x.event_id, x.guid);
  }
  if (as !== 'retryAnswered') l.remember(req, rng);
  return results[0]?.guid;
};

