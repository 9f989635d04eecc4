// The live-outbox projection: journey events folded into envelopes (src/domain/live/), stored in the order written,
// numbered for consumers' cursors. Set-wise: the batch's journeys read in one statement, folded in memory, written in
// one statement per table.
import { createHash } from 'node:crypto';
import { sql, type Insertable, type Kysely } from 'kysely';
import { JOURNEY_EVENT_TYPES, journeyBatch } from '../../domain/journeys/index.ts';
import { foldLiveEvent, type LiveJourney } from '../../domain/live/index.ts';
import { parseJson, stringifyJson, type LoggedEvent } from '../../eventstore/index.ts';
import type { ProjectionDefinition } from '../runner/projection.ts';
import { recordsetWriter } from '../runner/recordset-writer.ts';
import { createLiveOutboxSchema, LIVE_ENVELOPE_COLUMNS, LIVE_JOURNEY_COLUMNS, LIVE_OUTBOX_TABLES, type LiveOutboxTables } from './live-outbox-schema.ts';

type EnvelopeRow = Insertable<LiveOutboxTables['live_envelopes']>;
const writeEnvelopes = recordsetWriter<EnvelopeRow>('live_envelopes', LIVE_ENVELOPE_COLUMNS, { keys: ['id'], update: false });
const writeJourneys = recordsetWriter<LiveOutboxTables['live_journeys']>('live_journeys', LIVE_JOURNEY_COLUMNS, { keys: ['guid'], update: true });

/** `msg_` + 24 hex digits of the stored event's identity: the same event gives the same id in every rebuild. */
const envelopeId = (streamId: string, streamPosition: bigint, name: string, index: number) =>
  `msg_${createHash('sha256').update(`${streamId}|${streamPosition}|${index}|${name}`).digest('hex').slice(0, 24)}`;

export const projectLiveOutbox = async (db: Kysely<unknown>, events: LoggedEvent[]): Promise<void> => {
  const trx = db as Kysely<LiveOutboxTables>;
  const { items, earlier } = journeyBatch(events);
  if (items.length === 0) return;
  const journeys = new Map<string, LiveJourney | undefined>();
  if (earlier.length > 0) {
    for (const row of await trx.selectFrom('live_journeys').selectAll().where('guid', 'in', earlier).execute()) journeys.set(row.guid, parseJson(row.state) as LiveJourney);
  }
  const rows: EnvelopeRow[] = [];
  const touched = new Set<string>();
  // Under the projection's lock: nobody else writes the outbox, so the next number is the highest so far plus one.
  const { rows: top } = await sql<{ top: string }>`SELECT coalesce(max(position), 0)::text AS top FROM live_envelopes`.execute(trx);
  let next = BigInt(top[0]!.top) + 1n;
  for (const { guid, event, entry } of items) {
    const { journey, envelopes } = foldLiveEvent(journeys.get(guid), event, {
      guid,
      streamPosition: entry.streamPosition,
      idOf: (name, index) => envelopeId(entry.streamId, entry.streamPosition, name, index),
    });
    journeys.set(guid, journey);
    if (journey) touched.add(guid);
    const position = envelopes.length > 0 ? next++ : 0n;
    envelopes.forEach((e, idx) =>
      rows.push({ position, idx, log_position: entry.position.globalPosition, id: e.id, type: e.type, guid: e.guid, dealer_code: e.dealer_code, kind: e.kind, occurred_at: new Date(e.timestamp), recorded_at: entry.recordedAt, payload: stringifyJson(e) }),
    );
  }
  await writeEnvelopes(trx, rows);
  // Lossless: the recent facts' details may hold integers beyond 2^53 (BigInt).
  await writeJourneys(trx, [...touched].map((guid) => ({ guid, state: stringifyJson(journeys.get(guid)) })));
};

export const liveOutboxProjection: ProjectionDefinition = {
  name: 'live-outbox',
  version: 1,
  // Consumers act on what they read at once (a webhook sent, an SSE message): it must be on disk before they can.
  durableCommit: true,
  tables: LIVE_OUTBOX_TABLES,
  createSchema: createLiveOutboxSchema,
  handles: JOURNEY_EVENT_TYPES,
  apply: projectLiveOutbox,
};
