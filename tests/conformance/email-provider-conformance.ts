// The email provider adapters' conformance suite, run unchanged for every provider (tests/unit/email-providers.test.ts):
// each documented sample maps to the tracking events it should, unmapped types and broken events are skipped with
// their reason, a body of the wrong shape is refused saying why, and no body whatever makes an adapter throw or
// produce an event the catalogue would refuse (a fixed-seed property over mutated samples).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emailTrackingEvents, type EmailProviderAdapter, type SkipReason } from '../../src/domain/channels/index.ts';
import { catalogueEntry } from '../../src/domain/journeys/index.ts';

export interface ExpectedEvent {
  event_type: string;
  event_id: string;
  occurred_at?: string;
  guid?: string;
  actor?: unknown;
  details?: Record<string, unknown>;
}

export interface ProviderSample {
  name: string;
  /** One webhook body as the provider POSTs it, holding one event. */
  body: unknown;
  /** The tracking events it maps to, in order; or why it is skipped. */
  expect?: ExpectedEvent[];
  skip?: SkipReason;
}

export interface ProviderSamples {
  /** The GUID the samples' variables carry. */
  guid: string;
  samples: ProviderSample[];
  /** Bodies of the wrong shape: refused, with a violation. */
  malformed: unknown[];
}

export const SEED = 20261201;
const RUNS = 1000;
const ADDRESS_HASH = 'ab'.repeat(32);
const RECEIVED_AT = '2024-12-08T12:00:00.000Z';

/** Maps as the webhook route does, with a fixed target: the event's own GUID, else the samples' one. */
const trackingEventsOf = (adapter: EmailProviderAdapter, body: unknown, fallbackGuid: string) => {
  const parsed = adapter.parse(body);
  if (!parsed.ok) return { parsed, events: [] };
  const events = parsed.value.events.flatMap((e) => emailTrackingEvents(e, { guid: e.guid ?? fallbackGuid, dealerCode: 'DET001', addressHash: ADDRESS_HASH, receivedAt: RECEIVED_AT }));
  return { parsed, events };
};

/** Replaces the nodes at the given depth-first positions of a JSON value (wrapping around), leaving the rest. */
export const mutate = (value: unknown, edits: [number, unknown][]): unknown => {
  const count = (v: unknown): number => 1 + (Array.isArray(v) ? v.reduce((n: number, x) => n + count(x), 0) : typeof v === 'object' && v !== null ? Object.values(v).reduce((n: number, x) => n + count(x), 0) : 0);
  const total = count(value);
  const at = new Map(edits.map(([i, v]) => [i % total, v]));
  let i = 0;
  const walk = (v: unknown): unknown => {
    const here = i++;
    if (at.has(here)) return at.get(here);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value);
};

export const runEmailProviderConformance = (adapter: EmailProviderAdapter, fixture: ProviderSamples): void => {
  describe(`${adapter.name}: email provider adapter conformance`, () => {
    it('has samples of every kind it maps, and of skipped events', () => {
      const types = new Set(fixture.samples.flatMap((s) => (s.expect ?? []).map((e) => e.event_type)));
      for (const t of ['EMAIL_SENT', 'EMAIL_DELIVERED', 'EMAIL_OPENED', 'EMAIL_CLICKED', 'EMAIL_BOUNCED', 'EMAIL_COMPLAINT', 'EMAIL_UNSUBSCRIBED', 'CONTACT_OPTED_OUT']) expect(types, t).toContain(t);
      expect(fixture.samples.some((s) => s.skip === 'ignored_type')).toBe(true);
      expect(fixture.samples.some((s) => s.skip === 'malformed')).toBe(true);
    });

    it.each(fixture.samples)('$name', (sample) => {
      const { parsed, events } = trackingEventsOf(adapter, sample.body, fixture.guid);
      expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
      if (!parsed.ok) return;
      if (sample.skip) {
        expect(parsed.value.events).toEqual([]);
        expect(parsed.value.skipped).toHaveLength(1);
        expect(parsed.value.skipped[0]!.reason).toBe(sample.skip);
        expect(parsed.value.skipped[0]!.detail).not.toBe('');
        return;
      }
      expect(parsed.value.skipped).toEqual([]);
      expect(parsed.value.events).toHaveLength(1);
      const e = parsed.value.events[0]!;
      expect(e.provider).toBe(adapter.name);
      expect(e.guid, 'the GUID from the sender\'s variables').toBe(sample.expect![0]!.guid ?? fixture.guid);
      expect(events.map((t) => t.event_type)).toEqual(sample.expect!.map((x) => x.event_type));
      sample.expect!.forEach((x, k) => expect(events[k]).toMatchObject(x));
      for (const t of events) {
        expect(t.channel).toBe('EMAIL');
        expect(t.received_at).toBe(RECEIVED_AT);
        const checked = catalogueEntry(t.event_type)!.details.safeParse(t.details);
        expect(checked.success, `${t.event_type} ${JSON.stringify(checked.error?.issues)}`).toBe(true);
        if (t.event_type.startsWith('EMAIL_')) expect(t.details['provider']).toBe(adapter.name);
        else expect(t.details).toMatchObject({ address_hash: ADDRESS_HASH, origin: { kind: 'provider', provider: adapter.name } });
      }
    });

    it('keys a redelivered body to the same event ids, and two different events to different ones', () => {
      const ids = fixture.samples.flatMap((s) => trackingEventsOf(adapter, structuredClone(s.body), fixture.guid).events.map((t) => t.event_id));
      const again = fixture.samples.flatMap((s) => trackingEventsOf(adapter, structuredClone(s.body), fixture.guid).events.map((t) => t.event_id));
      expect(again).toEqual(ids);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it.each(fixture.malformed.map((body) => ({ body, shown: JSON.stringify(body) })))('refuses the malformed body $shown, saying why', ({ body }) => {
      const parsed = adapter.parse(body);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) {
        expect(parsed.violations.length).toBeGreaterThan(0);
        expect(parsed.violations[0]!.message).not.toBe('');
      }
    });

    it(`never throws, and maps whatever it accepts to events the catalogue accepts (${RUNS} mutated samples, seed ${SEED})`, () => {
      const leaf = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), fc.constantFrom('', 'open', 'click', 'failed', 'bounce', 'blocked', 'dropped', 'true', 'bot', 'javascript:alert(1)', 'x'.repeat(300)));
      fc.assert(
        fc.property(fc.constantFrom(...fixture.samples), fc.array(fc.tuple(fc.nat(), leaf), { maxLength: 4 }), (sample, edits) => {
          const body = mutate(sample.body, edits);
          const { parsed, events } = trackingEventsOf(adapter, body, fixture.guid);
          if (!parsed.ok) return;
          for (const t of events) {
            expect(catalogueEntry(t.event_type)!.details.safeParse(t.details).success, JSON.stringify(t)).toBe(true);
            expect(Number.isNaN(Date.parse(t.occurred_at))).toBe(false);
            expect(t.event_id.length).toBeGreaterThan(0);
            expect(t.event_id.length).toBeLessThanOrEqual(300);
          }
          // Every event of the body is accounted for: mapped or skipped with a reason, never dropped unseen.
          expect(parsed.value.events.length + parsed.value.skipped.length).toBe(Array.isArray(body) ? body.length : 1);
          for (const e of parsed.value.events) expect(e.provider).toBe(adapter.name);
        }),
        { numRuns: RUNS, seed: SEED },
      );
    });
  });
};
