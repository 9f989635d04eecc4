// GUID issue on the event store: a random collision with another journey is detected and resolved.
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/eventstore/index.ts';
import { issueGuid, type GuidRequest } from '../../src/eventstore/guid-issuer.ts';
import { storeTargets, useFreshStore } from '../helpers/test-stores.ts';

const request = (vin: string, hex: string[]): GuidRequest => ({
  prefix: 'FORD',
  vin,
  dealer_code: 'DET001',
  customer_id: null,
  risk_event: { component_code: 'BAT', severity: 'HIGH', risk_score: 1, timestamp: '2024-12-07T10:00:00Z' },
  idempotencyKey: null,
  now: new Date('2024-12-07T10:05:00Z'),
  randomHex: () => hex.shift() ?? 'FFFFFF',
});

describe.each(storeTargets())('GUID issue on $name', (target) => {
  const store = useFreshStore(target, (config) => openStore(config, 'vitest'));

  it('gives a colliding risk event a fresh GUID and keeps it on repeat', async () => {
    const first = await issueGuid(store().eventStore, request('1FTFW1ET5DFC00001', ['AAAAAA']));
    expect(first).toEqual({ ok: true, guid: 'FORD-2024-12-07-BAT-HIG-DET001-AAAAAA', created: true });
    // Another vehicle draws the same random part first: it must not take over the first journey.
    const second = await issueGuid(store().eventStore, request('1FTFW1ET5DFC00002', ['AAAAAA', 'AAAAAA', 'BBBBBB']));
    expect(second).toEqual({ ok: true, guid: 'FORD-2024-12-07-BAT-HIG-DET001-BBBBBB', created: true });
    const again = await issueGuid(store().eventStore, request('1FTFW1ET5DFC00002', ['CCCCCC']));
    expect(again).toEqual({ ok: true, guid: 'FORD-2024-12-07-BAT-HIG-DET001-BBBBBB', created: false });
    const journey = await store().eventStore.readStream('journey-FORD-2024-12-07-BAT-HIG-DET001-AAAAAA');
    expect(journey.events).toHaveLength(1);
    expect((journey.events[0]!.data as { vin: string }).vin).toBe('1FTFW1ET5DFC00001');
  });
});
