// The fold that turns journey events into the envelopes other systems receive: the PRD §5.2 state_changed payload
// with its cause's channel and appointment facts, one conversion per journey, and ids stable per stored event.
import { describe, expect, it } from 'vitest';
import { foldLiveEvent, type LiveEnvelope, type LiveJourney } from '../../src/domain/live/index.ts';
import type { JourneyEvent } from '../../src/domain/journeys/index.ts';
import { created, GUID, logged, move, moved, T } from '../conformance/projection-specs/given-events.ts';

const run = (events: { type: string; data: Record<string, unknown> }[]) => {
  let j: LiveJourney | undefined;
  const out: LiveEnvelope[] = [];
  events.forEach((e, i) => {
    const r = foldLiveEvent(j, e as unknown as JourneyEvent, { guid: GUID, streamPosition: BigInt(i + 1), idOf: (name, k) => `${i + 1}:${k}:${name}` });
    j = r.journey;
    out.push(...r.envelopes);
  });
  return { j, out };
};

describe('live envelopes', () => {
  it('says what a dealer system needs of a move: previous and new state, the channel and facts of its cause', () => {
    const { out, j } = run([
      created(GUID, T(7, '10:00')),
      logged(GUID, 'e1', 'SMS_CLICKED', 'SMS', T(7, '11:00')),
      moved(GUID, move('CREATED', 'ENGAGED', T(7, '11:00'), 'e1')),
      logged(GUID, 'e2', 'PORTAL_SCHEDULE_APPOINTMENT', 'PORTAL', T(8, '10:00'), { appointment_id: 'A-1', scheduled_for: '2024-12-09T09:00:00Z', service_type: 'battery' }),
      moved(GUID, move('ENGAGED', 'SCHEDULED', T(8, '10:00'), 'e2')),
      logged(GUID, 'e3', 'SERVICED', 'SYSTEM', T(9, '10:00'), { revenue: 650 }),
      moved(GUID, move('SCHEDULED', 'SERVICED', T(9, '10:00'), 'e3')),
    ]);
    expect(out.map((e) => e.type)).toEqual(['journey.created', 'event.logged', 'journey.state_changed', 'event.logged', 'journey.state_changed', 'journey.converted', 'event.logged', 'journey.state_changed']);
    const changes = out.filter((e) => e.type === 'journey.state_changed');
    expect(changes[0]!.data).toMatchObject({ previous_state: 'CREATED', new_state: 'ENGAGED', channel: 'SMS', timestamp: T(7, '11:00'), revised: false });
    expect(changes[1]!.data).toMatchObject({ previous_state: 'ENGAGED', new_state: 'SCHEDULED', channel: 'PORTAL', metadata: { appointment_id: 'A-1', scheduled_date: '2024-12-09T09:00:00Z', service_type: 'battery' } });
    expect(changes[2]!.data).toMatchObject({ new_state: 'SERVICED', metadata: { estimated_revenue: 650 } });
    expect(out.filter((e) => e.type === 'journey.converted')).toHaveLength(1);
    expect(out.every((e) => e.guid === GUID && e.dealer_code === 'DET001' && e.kind === 'outreach')).toBe(true);
    // The sequence is the stream position: a receiver drops an update older than one it has.
    expect(changes.map((e) => e.sequence)).toEqual([3, 5, 7]);
    expect(out[5]!.id).toBe('5:1:journey.converted');
    expect(j).toMatchObject({ state: 'SERVICED', converted: true });
  });

  it('says nothing of a journey it never saw created', () => {
    const r = foldLiveEvent(undefined, logged(GUID, 'x', 'EMAIL_SENT', 'EMAIL', T(7, '10:00')) as unknown as JourneyEvent, { guid: GUID, streamPosition: 2n, idOf: () => 'x' });
    expect(r).toEqual({ journey: undefined, envelopes: [] });
  });
});
