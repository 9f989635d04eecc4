// GUID issue on the event store: a random collision with another journey is detected and resolved.
import { query } from '../helpers/sql.ts';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/eventstore/index.ts';
import { issueGuid, openConversation, type ConversationRequest, type GuidRequest } from '../../src/application/journeys/guid-issuer.ts';
import { guidRequest } from '../helpers/guid-request.ts';
import { storeTargets, useFreshStore } from '../helpers/test-stores.ts';

const request = (vin: string, hex: string[], prefix = 'FORD'): GuidRequest => guidRequest(vin, { prefix, randomHex: () => hex.shift() ?? 'FFFFFF' });

describe.each(storeTargets())('GUID issue on $name', (target) => {
  const store = useFreshStore(target, (config) => openStore(config, 'vitest'));

  // With the atomic path (one commit per new journey) and without it (stream by stream, as on EventStoreDB).
  it.each([
    ['atomically', 'FORD', () => store()],
    ['stream by stream', 'LINC', () => ({ eventStore: store().eventStore })],
  ])('gives a colliding risk event a fresh GUID and keeps it on repeat (%s)', async (_, prefix, issuer) => {
    const first = await issueGuid(issuer(), request(`${prefix}1FTFW1ET5DFC1`, ['AAAAAA'], prefix));
    expect(first).toEqual({ ok: true, guid: `${prefix}-2024-12-07-BAT-HIG-DET001-AAAAAA`, created: true });
    // Another vehicle draws the same random part first: it must not take over the first journey.
    const second = await issueGuid(issuer(), request(`${prefix}1FTFW1ET5DFC2`, ['AAAAAA', 'AAAAAA', 'BBBBBB'], prefix));
    expect(second).toEqual({ ok: true, guid: `${prefix}-2024-12-07-BAT-HIG-DET001-BBBBBB`, created: true });
    const again = await issueGuid(issuer(), request(`${prefix}1FTFW1ET5DFC2`, ['CCCCCC'], prefix));
    expect(again).toEqual({ ok: true, guid: `${prefix}-2024-12-07-BAT-HIG-DET001-BBBBBB`, created: false });
    const journey = await store().eventStore.readStream(`journey-${prefix}-2024-12-07-BAT-HIG-DET001-AAAAAA`);
    expect(journey.events).toHaveLength(1);
    expect((journey.events[0]!.data as { vin: string }).vin).toBe(`${prefix}1FTFW1ET5DFC1`);
  });

  it('refuses an Idempotency-Key reused for another risk event, and stores nothing for it', async () => {
    const keyed = (vin: string, hex: string): GuidRequest => ({ ...request(vin, [hex], 'KEYD'), idempotencyKey: 'key-1' });
    const streams = async () => (await query(store(), 'SELECT stream_id FROM emt_streams ORDER BY stream_id')).rows.map((r) => r.stream_id);
    expect(await issueGuid(store(), keyed('KEYD1FTFW1ET5DFC1', 'DDDDDD'))).toMatchObject({ ok: true, created: true });
    expect(await issueGuid(store(), keyed('KEYD1FTFW1ET5DFC1', 'DDDDDE'))).toEqual({ ok: true, guid: 'KEYD-2024-12-07-BAT-HIG-DET001-DDDDDD', created: false });
    const before = await streams();
    const reused = await issueGuid(store(), keyed('KEYD1FTFW1ET5DFC2', 'EEEEEE'));
    expect(reused).toMatchObject({ ok: false, error: { code: 'idempotency_key_reused' } });
    expect(await streams()).toEqual(before);
  });

  it.each([
    ['atomically', 'CONA', () => store()],
    ['stream by stream', 'CONB', () => ({ eventStore: store().eventStore })],
  ])('opens conversations: a collision draws again, an Idempotency-Key gives the same one (%s)', async (_, prefix, issuer) => {
    const conversation = (hex: string[], idempotencyKey: string | null = null): ConversationRequest => ({
      prefix,
      channel: 'WEBVIEW',
      dealer_code: 'DET001',
      customer_id: null,
      started_at: '2024-12-07T08:00:00Z',
      idempotencyKey,
      now: new Date('2024-12-07T10:05:00Z'),
      randomHex: () => hex.shift() ?? 'FFFFFF',
    });
    expect(await openConversation(issuer(), conversation(['AAAAAA']))).toEqual({ ok: true, guid: `${prefix}-2024-12-07-CNV-WEB-DET001-AAAAAA`, created: true });
    expect(await openConversation(issuer(), conversation(['AAAAAA', 'BBBBBB']))).toEqual({ ok: true, guid: `${prefix}-2024-12-07-CNV-WEB-DET001-BBBBBB`, created: true });
    const keyed = await openConversation(issuer(), conversation(['AAAAAA', 'CCCCCC'], `${prefix}-key`));
    expect(keyed).toEqual({ ok: true, guid: `${prefix}-2024-12-07-CNV-WEB-DET001-CCCCCC`, created: true });
    expect(await openConversation(issuer(), conversation(['DDDDDD'], `${prefix}-key`))).toEqual({ ...keyed, created: false });
    expect(await openConversation(issuer(), { ...conversation(['EEEEEE'], `${prefix}-key`), channel: 'SMS' })).toMatchObject({ ok: false, error: { code: 'idempotency_key_reused' } });
    const first = await store().eventStore.readStream(`journey-${prefix}-2024-12-07-CNV-WEB-DET001-AAAAAA`);
    expect(first.events.map((e) => e.data)).toEqual([expect.objectContaining({ kind: 'conversation', channel: 'WEBVIEW', started_at: '2024-12-07T08:00:00.000Z', created_at: '2024-12-07T10:05:00.000Z' })]);
  });
});
