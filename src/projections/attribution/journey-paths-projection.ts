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
  const touched = new Set<string>();
  for (const { guid, event, entry: e } of items) {
    if (event.type === 'JourneyCreated') {
      const start = startProgress(definitionOf(event.data.kind), journeyStart(event.data));
      rows.set(guid, { guid, kind: event.data.kind, created_at: new Date(journeyStart(event.data)), current_state: start.state, moves: 0, converted_seq: null, converted_at: null, value: null, revenue_key: null, touches: [] });
      touched.add(guid);
      continue;
    }
    const row = rows.get(guid);
    if (!row) throw new Error(`Event ${e.type} at ${e.position.globalPosition} precedes its journey's creation`);
    const definition = definitionOf(row.kind);
    if (event.type === 'TrackingEventLogged') {
      const t = event.data;
      if (isTouch(t, allStates(definition))) insertTouch(row, t.channel, new Date(t.occurred_at), t.event_id);
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
  version: 2,
  tables: ATTRIBUTION_TABLES,
  createSchema: createAttributionSchema,
  handles: JOURNEY_EVENT_TYPES,
  apply: projectJourneyPaths,
};
