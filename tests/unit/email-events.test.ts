// The email channel's event ids: a repeat (the same client within the same second, the same message prepared
// again, a retried unsubscribe) is the same id, so it is stored once; anything else is a new event. Every event
// matches its catalogue entry and fits the event-id pattern of log-event.
import { describe, expect, it } from 'vitest';
import { clickedEvent, openedEvent, preparedEvents, unsubscribedEvents } from '../../src/api/channels/email-events.ts';
import { HUMAN } from '../../src/domain/channels/index.ts';
import { catalogueEntry, type TrackingEvent } from '../../src/domain/journeys/index.ts';

const GUID = 'FORD-2024-12-07-BAT-CRT-DET001-A7B9C2';
const M = 'm'.repeat(80); // the longest message id prepare accepts
const HASH = 'a'.repeat(64);
const UA = 'Mozilla/5.0 (iPhone)';
const at = (iso: string) => new Date(iso);
const get = { method: 'GET', userAgent: UA };

const valid = (e: TrackingEvent) => {
  expect(e.event_id).toMatch(/^[A-Za-z0-9._:@-]{1,128}$/);
  expect(catalogueEntry(e.event_type)!.details.safeParse(e.details).success, e.event_type).toBe(true);
  expect(e).toMatchObject({ guid: GUID, channel: 'EMAIL', dealer_code: 'DET001' });
};

describe('email event ids', () => {
  it('an open is one per client and second', () => {
    const open = (when: string, client = get) => openedEvent(GUID, M, at(when), client, HUMAN).event_id;
    expect(open('2026-12-01T10:00:00.100Z')).toBe(open('2026-12-01T10:00:00.900Z'));
    expect(open('2026-12-01T10:00:00.900Z')).not.toBe(open('2026-12-01T10:00:01.000Z'));
    expect(open('2026-12-01T10:00:00.100Z')).not.toBe(open('2026-12-01T10:00:00.100Z', { method: 'GET', userAgent: 'Mozilla/5.0' }));
    expect(open('2026-12-01T10:00:00.100Z')).not.toBe(open('2026-12-01T10:00:00.100Z', { method: 'HEAD', userAgent: UA }));
    valid(openedEvent(GUID, M, at('2026-12-01T10:00:00Z'), get, { flag: true, reason: 'apple_mail_privacy_protection' }));
  });

  it('a click is one per link, client and second', () => {
    const click = (index: number, when = '2026-12-01T10:00:00.000Z') => clickedEvent(GUID, M, { index, url: 'https://dealer.example/' }, at(when), get, HUMAN);
    expect(click(0).event_id).toBe(click(0, '2026-12-01T10:00:00.999Z').event_id);
    expect(click(0).event_id).not.toBe(click(1).event_id);
    const e = click(199);
    valid(e);
    expect(e.details).toMatchObject({ link_id: '199', url: 'https://dealer.example/', machine: HUMAN });
    expect(e.actor).toEqual({ type: 'customer' });
    expect(clickedEvent(GUID, M, { index: 0, url: 'https://dealer.example/' }, at('2026-12-01T10:00:00Z'), get, { flag: true, reason: 'security_scanner' }).actor).toBeNull();
  });

  it('a send is one per message id, an address one per journey, an unsubscribe one per message and minute', () => {
    const sent = (when: string) => preparedEvents({ guid: GUID, messageId: M, addressHash: HASH, at: at(when) }).map((e) => e.event_id);
    expect(sent('2026-12-01T10:00:00Z')).toEqual(sent('2026-12-02T10:00:00Z'));
    preparedEvents({ guid: GUID, messageId: M, templateId: 't', campaignId: 'c', variant: 'v', addressHash: HASH, at: at('2026-12-01T10:00:00Z') }).forEach(valid);
    const unsub = (when: string) => unsubscribedEvents(GUID, M, HASH, at(when)).map((e) => e.event_id);
    expect(unsub('2026-12-01T10:00:05Z')).toEqual(unsub('2026-12-01T10:00:55Z'));
    expect(unsub('2026-12-01T10:00:05Z')).not.toEqual(unsub('2026-12-08T10:00:05Z'));
    unsubscribedEvents(GUID, M, HASH, at('2026-12-01T10:00:00Z')).forEach(valid);
  });
});
