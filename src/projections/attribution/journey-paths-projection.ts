// The journey-paths projection: for attribution and prediction, each journey's touches, state and conversion.
import type { Kysely } from 'kysely';
import { allStates, journeyBatch, journeyStart, JOURNEY_KINDS, factKey, progressAfterAppend, progressAfterRevision, startProgress, type JourneyProgress, isTouch, JOURNEY_EVENT_TYPES } from '../../domain/journeys/index.ts';
import type { LoggedEvent } from '../../eventstore/index.ts';
import type { ProjectionDefinition } from '../runner/projection.ts';
import { ATTRIBUTION_TABLES, createAttributionSchema, type AttributionTables } from './journey-paths-schema.ts';
import { insertTouch, loadPaths, writePaths, type PathRow } from './journey-paths.ts';

const definitionOf = (kind: string) => JOURNEY_KINDS[kind as keyof typeof JOURNEY_KINDS];

const progressOf = (r: PathRow): JourneyProgress => ({
  moves: r.moves,
  state: r.current_state,
  stateEnteredAt: r.created_at.toISOString(),
  convertedSeq: r.converted_seq,
  convertedAt: r.converted_at?.toISOString() ?? null,
});

const withProgress = (r: PathRow, p: JourneyProgress): PathRow => ({
  ...r,
  moves: p.moves,
  current_state: p.state,
  converted_seq: p.convertedSeq,
  converted_at: p.convertedAt === null ? null : new Date(p.convertedAt),
});

export const projectJourneyPaths = async (db: Kysely<unknown>, events: LoggedEvent[]): Promise<void> => {
  const trx = db as Kysely<AttributionTables>;
  const { items, earlier } = journeyBatch(events);
  if (items.length === 0) return;
  const rows = await loadPaths(trx, earlier);
  // The outreach journeys that conversations of this batch continue, so their touches can join those paths.
  const parents = new Set<string>();
  for (const r of rows.values()) if (r.parent_guid) parents.add(r.parent_guid);
  for (const { event } of items) if (event.type === 'JourneyCreated' && event.data.parent_guid) parents.add(event.data.parent_guid);
  for (const [guid, row] of await loadPaths(trx, [...parents].filter((g) => !rows.has(g)))) rows.set(guid, row);
  const touched = new Set<string>();
  for (const { guid, event, entry: e } of items) {
    if (event.type === 'JourneyCreated') {
      const start = startProgress(definitionOf(event.data.kind), journeyStart(event.data));
      rows.set(guid, {
        guid,
        kind: event.data.kind,
        created_at: new Date(journeyStart(event.data)),
        current_state: start.state,
        moves: 0,
        converted_seq: null,
        converted_at: null,
        value: null,
        revenue_key: null,
        parent_guid: event.data.parent_guid ?? null,
        touches: [],
      });
      touched.add(guid);
      continue;
    }
    const row = rows.get(guid);
    if (!row) throw new Error(`Event ${e.type} at ${e.position.globalPosition} precedes its journey's creation`);
    const definition = definitionOf(row.kind);
    if (event.type === 'TrackingEventLogged') {
      const t = event.data;
      if (isTouch(t, allStates(definition))) {
        insertTouch(row, t.channel, new Date(t.occurred_at), t.event_id);
        // A conversation that continues an outreach journey is one customer journey for attribution: its touches
        // are the outreach path's too (named by the conversation, so its event ids cannot meet the parent's own).
        const parent = row.parent_guid ? rows.get(row.parent_guid) : undefined;
        if (parent) {
          insertTouch(parent, t.channel, new Date(t.occurred_at), `${guid}/${t.event_id}`);
          touched.add(parent.guid);
        }
      }
      const key = factKey(t.occurred_at, t.event_id);
      if (t.event_type === 'SERVICED' && typeof t.details['revenue'] === 'number' && (row.revenue_key === null || key > row.revenue_key)) {
        row.value = t.details['revenue'].toFixed(2);
        row.revenue_key = key;
      }
    } else if (event.type === 'JourneyTransitioned') {
      rows.set(guid, withProgress(row, progressAfterAppend(definition, progressOf(row), [event.data])));
    } else {
      rows.set(guid, withProgress(row, progressAfterRevision(definition, progressOf(row), event.data.keep, event.data.transitions, row.created_at.toISOString())));
    }
    touched.add(guid);
  }
  await writePaths(trx, [...touched].map((g) => rows.get(g)!));
};

export const journeyPathsProjection: ProjectionDefinition = {
  name: 'journey-paths',
  // 2: machine flags as {flag, reason} and channel bookkeeping (delivery receipts, opt-out records) are no touches.
  // 3: a conversation's touches join the path of the outreach journey it continues (parent_guid).
  version: 3,
  tables: ATTRIBUTION_TABLES,
  createSchema: createAttributionSchema,
  handles: JOURNEY_EVENT_TYPES,
  apply: projectJourneyPaths,
};
