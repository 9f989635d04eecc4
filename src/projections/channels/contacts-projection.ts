// The channel contacts projection: contact points from journey creation and CONTACT_POINT_ADDED, and the suppression
// list from CONTACT_OPTED_OUT / CONTACT_OPTED_IN. Set-wise: the batch is folded in memory, then one statement per
// table. Suppressions follow event time, so a late opt-in older than the opt-out in force changes nothing.
import { sql, type Kysely } from 'kysely';
import { JOURNEY_EVENT_TYPES, journeyBatch, parseGuid } from '../../domain/journeys/index.ts';
import { stringifyJson, type LoggedEvent } from '../../eventstore/index.ts';
import type { ProjectionDefinition } from '../runner/projection.ts';
import { CHANNEL_CONTACTS_TABLES, createChannelContactsSchema, type ChannelContactsTable, type ChannelSuppressionsTable, type ChannelContactsTables } from './contacts-schema.ts';

const CHUNK = 1000;

type Suppression = Omit<ChannelSuppressionsTable, 'since'> & { since: string };

export const projectChannelContacts = async (db: Kysely<unknown>, events: LoggedEvent[]): Promise<void> => {
  const trx = db as Kysely<ChannelContactsTables>;
  const { items } = journeyBatch(events);
  const contacts = new Map<string, Omit<ChannelContactsTable, 'added_at'> & { added_at: string }>();
  const suppressions = new Map<string, Suppression>();
  const addContact = (guid: string, kind: string, hash: string, at: string) => {
    const dealer = parseGuid(guid)?.dealer;
    if (!dealer) return;
    const key = `${hash}|${kind}|${guid}`;
    if (!contacts.has(key)) contacts.set(key, { guid, kind, hash, dealer_code: dealer, added_at: at });
  };
  for (const { guid, event } of items) {
    if (event.type === 'JourneyCreated') {
      const c = event.data.contact;
      const at = event.data.started_at ?? event.data.created_at;
      if (c?.email_hash) addContact(guid, 'email', c.email_hash, at);
      if (c?.phone_hash) addContact(guid, 'phone', c.phone_hash, at);
      continue;
    }
    if (event.type !== 'TrackingEventLogged') continue;
    const e = event.data;
    const d = e.details as Record<string, unknown>;
    if (e.event_type === 'CONTACT_POINT_ADDED' && typeof d['hash'] === 'string' && typeof d['kind'] === 'string') addContact(guid, d['kind'], d['hash'], e.occurred_at);
    if ((e.event_type === 'CONTACT_OPTED_OUT' || e.event_type === 'CONTACT_OPTED_IN') && typeof d['address_hash'] === 'string') {
      const dealer = e.dealer_code ?? parseGuid(guid)?.dealer;
      if (!dealer) continue;
      const row: Suppression = { dealer_code: dealer, channel: e.channel, address_hash: d['address_hash'], suppressed: e.event_type === 'CONTACT_OPTED_OUT', since: e.occurred_at, origin: d['origin'] ?? {}, guid, event_id: e.event_id };
      const key = `${row.dealer_code}|${row.channel}|${row.address_hash}`;
      const held = suppressions.get(key);
      if (!held || Date.parse(held.since) <= Date.parse(row.since)) suppressions.set(key, row);
    }
  }
  const contactRows = [...contacts.values()];
  for (let i = 0; i < contactRows.length; i += CHUNK) {
    await trx.insertInto('channel_contacts').values(contactRows.slice(i, i + CHUNK)).onConflict((oc) => oc.columns(['hash', 'kind', 'guid']).doNothing()).execute();
  }
  const rows = [...suppressions.values()].map((r) => ({ ...r, origin: stringifyJson(r.origin) }));
  for (let i = 0; i < rows.length; i += CHUNK) {
    // Only a newer fact (by event time) replaces the one in force: a late, older opt-in lifts nothing.
    await trx
      .insertInto('channel_suppressions')
      .values(rows.slice(i, i + CHUNK).map((r) => ({ ...r, origin: sql`${r.origin}::jsonb` })))
      .onConflict((oc) =>
        oc
          .columns(['dealer_code', 'channel', 'address_hash'])
          .doUpdateSet((eb) => ({
            suppressed: eb.ref('excluded.suppressed'),
            since: eb.ref('excluded.since'),
            origin: eb.ref('excluded.origin'),
            guid: eb.ref('excluded.guid'),
            event_id: eb.ref('excluded.event_id'),
          }))
          .where(sql<boolean>`channel_suppressions.since <= excluded.since`),
      )
      .execute();
  }
};

export const channelContactsProjection: ProjectionDefinition = {
  name: 'channel-contacts',
  version: 1,
  tables: CHANNEL_CONTACTS_TABLES,
  createSchema: createChannelContactsSchema,
  handles: JOURNEY_EVENT_TYPES,
  apply: projectChannelContacts,
};
