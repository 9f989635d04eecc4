// The channel contacts projection (channel_contacts, channel_suppressions): given journey events, then rows.
import type { ProjectionSpec } from '../read-model-conformance.ts';
import { created, GUID, logged, OTHER, T } from './given-events.ts';

const EMAIL_HASH = 'a'.repeat(64);
const PHONE_HASH = 'b'.repeat(64);
const opt = (guid: string, id: string, type: 'CONTACT_OPTED_OUT' | 'CONTACT_OPTED_IN', at: string, hash = EMAIL_HASH, channel: 'EMAIL' | 'SMS' = 'EMAIL') =>
  logged(guid, id, type, channel, at, { address_hash: hash, origin: { kind: 'keyword', provider: 'twilio', raw_text: 'STOP' } });

export const channelContactsSpecs: ProjectionSpec[] = [
  {
    title: 'contact points from the journey\u2019s creation and from a prepare, each once, with the GUID\u2019s dealer',
    given: [
      created(GUID, T(7, '10:00'), { contact: { email_hash: EMAIL_HASH, timezone: 'America/Detroit' } }),
      logged(GUID, 'c1', 'CONTACT_POINT_ADDED', 'SMS', T(7, '11:00'), { kind: 'phone', hash: PHONE_HASH }),
      logged(GUID, 'c2', 'CONTACT_POINT_ADDED', 'EMAIL', T(7, '12:00'), { kind: 'email', hash: EMAIL_HASH }),
      created(OTHER, T(7, '09:00')),
    ],
    then: [
      {
        table: 'channel_contacts',
        columns: ['guid', 'kind', 'hash', 'dealer_code', 'added_at'],
        rows: [
          [GUID, 'email', EMAIL_HASH, 'DET001', T(7, '10:00')],
          [GUID, 'phone', PHONE_HASH, 'DET001', T(7, '11:00')],
        ],
      },
    ],
  },
  {
    title: 'suppressions by event time per dealer and channel: a late older opt-in lifts nothing, a newer one does',
    given: [
      created(GUID, T(7, '10:00')),
      created(OTHER, T(7, '10:00')),
      opt(GUID, 'o1', 'CONTACT_OPTED_OUT', T(8, '10:00')),
      opt(GUID, 'i-late', 'CONTACT_OPTED_IN', T(8, '09:00')),
      opt(GUID, 's1', 'CONTACT_OPTED_OUT', T(8, '10:00'), PHONE_HASH, 'SMS'),
      opt(GUID, 's2', 'CONTACT_OPTED_IN', T(9, '10:00'), PHONE_HASH, 'SMS'),
      opt(OTHER, 'o2', 'CONTACT_OPTED_OUT', T(8, '11:00')),
    ],
    then: [
      {
        table: 'channel_suppressions',
        columns: ['dealer_code', 'channel', 'address_hash', 'suppressed', 'since', 'event_id'],
        rows: [
          ['DET001', 'EMAIL', EMAIL_HASH, true, T(8, '10:00'), 'o1'],
          ['DET001', 'SMS', PHONE_HASH, false, T(9, '10:00'), 's2'],
          ['DET002', 'EMAIL', EMAIL_HASH, true, T(8, '11:00'), 'o2'],
        ],
      },
    ],
  },
];
