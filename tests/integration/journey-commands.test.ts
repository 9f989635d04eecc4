// Journey commands on the event store: the in-process state this process keeps never outvotes the stream.
import { describe, expect, it } from 'vitest';
import type { TrackingEvent } from '../../src/domain/journeys/tracking-event.ts';
import { issueGuid, journeyCommands } from '../../src/application/journeys/index.ts';
import { openStore } from '../../src/eventstore/index.ts';

import { guidRequest } from '../helpers/guid-request.ts';
import { storeTargets, useFreshStore } from '../helpers/test-stores.ts';

const executeJourneyCommand = journeyCommands.execute;

const event = (guid: string, event_id: string, event_type: string, channel: TrackingEvent['channel'], occurred_at: string): TrackingEvent => ({
  event_id,
  guid,
  event_type,
  channel,
  occurred_at,
  received_at: occurred_at,
  actor: null,
  dealer_code: null,
  session_id: null,
  user_id: null,
  details: {},
});

describe.each(storeTargets())('journey commands on $name', (target) => {
  const store = useFreshStore(target, (config) => openStore(config, 'vitest'));

  const newJourney = async (vin: string) => {
    const issued = await issueGuid(store(), guidRequest(vin));
    if (!issued.ok) throw new Error('not issued');
    return issued.guid;
  };
  const log = (guid: string, ...events: TrackingEvent[]) => executeJourneyCommand(store(), guid, { type: 'LogEvents', data: { events } });
  const ids = async (guid: string) =>
    (await store().eventStore.readStream(`journey-${guid}`)).events.flatMap((e) => (e.type === 'TrackingEventLogged' ? [(e.data as TrackingEvent).event_id] : []));

  it('sees what another writer appended since this process last wrote the journey', async () => {
    const guid = await newJourney('1FTFW1ET5DFC10001');
    expect(await log(guid, event(guid, 'mine-1', 'EMAIL_SENT', 'EMAIL', '2024-12-07T11:00:00Z'))).toMatchObject({ ok: true });
    // Another process (same store, but past this process's command path) stores an event and moves the journey on.
    const { currentStreamVersion } = await store().eventStore.readStream(`journey-${guid}`);
    await store().eventStore.appendToStream(
      `journey-${guid}`,
      [
        { type: 'TrackingEventLogged', data: event(guid, 'theirs-1', 'SMS_RECEIVED', 'SMS', '2024-12-07T12:00:00Z') },
        { type: 'JourneyTransitioned', data: { guid, from: 'CONTACTED', to: 'ENGAGED', at: '2024-12-07T12:00:00Z', cause_event_id: 'theirs-1', trigger: 'event', reason: null, metadata: null } },
      ],
      { expectedStreamVersion: currentStreamVersion },
    );
    // Their event again is a duplicate here too, and a transition only the new state allows is allowed.
    expect(await log(guid, event(guid, 'theirs-1', 'SMS_RECEIVED', 'SMS', '2024-12-07T12:00:00Z'))).toEqual({ ok: true, events: [] });
    const scheduled = await executeJourneyCommand(store(), guid, {
      type: 'RequestTransition',
      data: { guid, to: 'SCHEDULED', at: '2024-12-07T13:00:00Z', reason: null, metadata: null, fact_id: 'request-1' },
    });
    expect(scheduled).toMatchObject({ ok: true, events: [{ type: 'JourneyTransitioned', data: { from: 'ENGAGED', to: 'SCHEDULED' } }] });
    expect(await log(guid, event(guid, 'mine-2', 'EMAIL_OPENED', 'EMAIL', '2024-12-07T14:00:00Z'))).toMatchObject({ ok: true });
    expect(await ids(guid)).toEqual(['mine-1', 'theirs-1', 'mine-2']);
  });

  it('decides a refusal or a no-op on the stream, not on the state this process saw last', async () => {
    const guid = await newJourney('1FTFW1ET5DFC10002');
    await log(guid, event(guid, 'a-1', 'EMAIL_SENT', 'EMAIL', '2024-12-07T11:00:00Z'));
    const { currentStreamVersion } = await store().eventStore.readStream(`journey-${guid}`);
    // Elsewhere the journey was closed: a transition from the state this process saw last must now be refused.
    await store().eventStore.appendToStream(
      `journey-${guid}`,
      [{ type: 'JourneyTransitioned', data: { guid, from: 'CONTACTED', to: 'CLOSED', at: '2024-12-07T12:00:00Z', cause_event_id: null, trigger: 'explicit', reason: null, metadata: null } }],
      { expectedStreamVersion: currentStreamVersion },
    );
    // Asking again for the state this process saw last is no harmless retry any more.
    const contacted = await executeJourneyCommand(store(), guid, {
      type: 'RequestTransition',
      data: { guid, to: 'CONTACTED', at: '2024-12-07T13:00:00Z', reason: null, metadata: null, fact_id: 'request-1' },
    });
    expect(contacted).toMatchObject({ ok: false, error: { code: 'invalid_transition', from: 'CLOSED', to: 'CONTACTED' } });
    const engaged = await executeJourneyCommand(store(), guid, {
      type: 'RequestTransition',
      data: { guid, to: 'ENGAGED', at: '2024-12-07T13:00:00Z', reason: null, metadata: null, fact_id: 'request-1' },
    });
    expect(engaged).toMatchObject({ ok: false, error: { code: 'invalid_transition', from: 'CLOSED', to: 'ENGAGED' } });
  });

  it('stores every event once when many writers log to one journey at once', async () => {
    const guid = await newJourney('1FTFW1ET5DFC10003');
    const sent = Array.from({ length: 30 }, (_, i) => event(guid, `c-${i % 20}`, 'EMAIL_OPENED', 'EMAIL', `2024-12-07T11:${String(i).padStart(2, '0')}:00Z`));
    const outcomes = await Promise.all(sent.map((e) => log(guid, e)));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect((await ids(guid)).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `c-${i}`).sort());
  });
});
