// The journeys projection: tracking_events, journey_summary and journey_transitions, from the journey streams.
import { sql, type Kysely } from 'kysely';
import { allStates } from '../../domain/journeys/journey-definition.ts';
import { journeyBatch } from '../../domain/journeys/journey-batch.ts';
import { journeyStart, type TimelineEntry } from '../../domain/journeys/journey-events.ts';
import { JOURNEY_EVENT_TYPES } from '../../domain/journeys/journey-event-codec.ts';
import { isTouch } from '../../domain/journeys/tracking-event.ts';
import { stringifyJson, type LoggedEvent } from '../../eventstore/index.ts';
import type { ProjectionDefinition } from '../runner/projection.ts';
import { recordsetWriter } from '../runner/recordset-writer.ts';
import { createJourneysSchema, JOURNEY_SUMMARY_COLUMNS, JOURNEYS_TABLES, TRACKING_EVENT_COLUMNS, type JourneysTables } from './journeys-schema.ts';
import {
  applyAppend,
  applyRevision,
  applyTrackingEvent,
  conversionMoved,
  definitionOf,
  summaryFromCreated,
  trackingEventRow,
  withConversionTouch,
  type SummaryRow,
  type TrackingEventRow,
} from './journey-summary-reducer.ts';
import { planTransitions, transitionRow } from './journey-transition-rows.ts';

const writeTrackingEvents = recordsetWriter<TrackingEventRow>('tracking_events', TRACKING_EVENT_COLUMNS, { keys: ['guid', 'event_id'], update: false });
const writeSummaries = recordsetWriter<SummaryRow>('journey_summary', JOURNEY_SUMMARY_COLUMNS, { keys: ['guid'], update: true });

const entryOf = ({ guid: _guid, ...entry }: { guid: string } & TimelineEntry): TimelineEntry => entry;

/**
 * Applies events (already in log order) inside the runner's transaction: reads what the batch's journeys have
 * (one statement per table), folds the batch in memory, writes one statement per table.
 */
export const projectJourneyEvents = async (db: Kysely<unknown>, events: LoggedEvent[]): Promise<void> => {
  const trx = db as Kysely<JourneysTables>;
  // A journey created in this batch has no rows yet: only the others are read (a batch of new journeys reads nothing).
  const { items, earlier } = journeyBatch(events);
  if (items.length === 0) return;

  const summaries = new Map<string, SummaryRow>();
  const before = new Map<string, SummaryRow>();
  const transitions = planTransitions(stringifyJson);
  if (earlier.length > 0) {
    for (const row of await trx.selectFrom('journey_summary').selectAll().where('guid', 'in', earlier).execute()) {
      summaries.set(row.guid, row);
      before.set(row.guid, row);
      transitions.stored(row.guid, row.moves);
    }
  }

  const trackingRows: TrackingEventRow[] = [];
  const touched = new Set<string>();
  for (const { guid, event, entry: e } of items) {
    if (event.type === 'JourneyCreated') {
      const summary = summaryFromCreated(event.data);
      summaries.set(guid, summary);
      const initial = definitionOf(event.data.kind).initial;
      transitions.created(guid, transitionRow(guid, { from: null, to: initial, at: journeyStart(event.data), cause_event_id: null, trigger: 'created', reason: null, metadata: null }, 0, stringifyJson));
      touched.add(guid);
      continue;
    }
    const summary = summaries.get(guid);
    if (!summary) throw new Error(`Event ${e.type} at ${e.position.globalPosition} precedes its journey's creation`);
    if (event.type === 'TrackingEventLogged') {
      const row = trackingEventRow(event.data, summary.kind, e.position.globalPosition, stringifyJson);
      summaries.set(guid, applyTrackingEvent(summary, event.data, isTouch(event.data, allStates(definitionOf(summary.kind)))));
      trackingRows.push(row);
    } else if (event.type === 'JourneyTransitioned') {
      const entry = entryOf(event.data);
      transitions.append(guid, [entry]);
      summaries.set(guid, applyAppend(summary, [entry]));
    } else {
      transitions.revise(guid, event.data.keep, event.data.transitions);
      summaries.set(guid, applyRevision(summary, event.data.keep, event.data.transitions));
    }
    touched.add(guid);
  }

  await writeTrackingEvents(trx, trackingRows);
  // Where the conversion moved (a late move, a revision), its touch is looked up again among every touch.
  const moved = [...touched].map((g) => summaries.get(g)!).filter((s) => s.converted_at && (!before.has(s.guid) || conversionMoved(before.get(s.guid)!, s)));
  const cleared = [...touched].map((g) => summaries.get(g)!).filter((s) => !s.converted_at && before.get(s.guid)?.converted_at);
  for (const s of cleared) summaries.set(s.guid, withConversionTouch(s, undefined));
  if (moved.length > 0) {
    const { rows } = await sql<{ guid: string; channel: string; occurred_at: Date; event_id: string }>`
      SELECT DISTINCT ON (t.guid) t.guid, t.channel, t.occurred_at, t.event_id
        FROM tracking_events t
        JOIN unnest(${moved.map((s) => s.guid)}::text[], ${moved.map((s) => s.converted_at)}::timestamptz[]) AS c(guid, converted_at) ON t.guid = c.guid
       WHERE t.is_touch AND t.occurred_at <= c.converted_at
       ORDER BY t.guid, t.occurred_at DESC, t.event_id DESC`.execute(trx);
    const byGuid = new Map(rows.map((r) => [r.guid, r]));
    for (const s of moved) summaries.set(s.guid, withConversionTouch(s, byGuid.get(s.guid)));
  }
  await writeSummaries(trx, [...touched].map((g) => summaries.get(g)!));
  await transitions.write(trx);
};

export const journeysProjection: ProjectionDefinition = {
  name: 'journeys',
  // 2: machine flags as {flag, reason} and channel bookkeeping (delivery receipts, opt-out records) are no touches.
  version: 2,
  tables: JOURNEYS_TABLES,
  createSchema: createJourneysSchema,
  handles: JOURNEY_EVENT_TYPES,
  apply: projectJourneyEvents,
};
