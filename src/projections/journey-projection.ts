// Projects a batch of journey-stream events into tracking_events, journey_summary, journey_transitions and journey_paths.
import type { Kysely } from 'kysely';
import type { JourneyCreatedData, JourneyTimelineRevisedData, JourneyTransitionedData, TimelineEntry } from '../domain/journey-events.ts';
import { JOURNEY_STREAM_PREFIX, journeyStart } from '../domain/journey-events.ts';
import type { TrackingEvent } from '../domain/tracking-event.ts';
import type { LoggedEvent } from '../eventstore/global-log.ts';
import { stringifyJson } from '../eventstore/lossless-json.ts';
import { emptyPath, finishPath, insertTouch, loadPaths, writePaths, type PathRow } from './journey-paths.ts';
import { applyTimeline, applyTrackingEvent, definitionOf, summaryFromCreated, trackingEventRow, withTouches, type SummaryRow, type TrackingEventRow } from './journey-summary-reducer.ts';
import { planTransitions, transitionRow } from './journey-transition-rows.ts';
import type { ReadModels } from './schema.ts';

const CHUNK = 1000;

const chunks = <T>(rows: T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
};

const entryOf = ({ guid: _guid, ...entry }: JourneyTransitionedData): TimelineEntry => entry;

/**
 * Applies events (already in log order) inside the caller's transaction: reads what the batch's journeys have
 * (one statement per table), folds the batch in memory, writes one statement per table (per 1,000 rows).
 */
export const projectJourneyEvents = async (trx: Kysely<ReadModels>, events: LoggedEvent[]): Promise<void> => {
  const journeyEvents = events.filter((e) => e.streamId.startsWith(JOURNEY_STREAM_PREFIX));
  if (journeyEvents.length === 0) return;
  const guidOf = (e: LoggedEvent) => e.streamId.slice(JOURNEY_STREAM_PREFIX.length);
  // A journey created in this batch has no rows yet: only the others are read (a batch of new journeys reads nothing).
  const createdHere = new Set(journeyEvents.filter((e) => e.type === 'JourneyCreated').map(guidOf));
  const earlier = [...new Set(journeyEvents.map(guidOf))].filter((g) => !createdHere.has(g));

  const summaries = new Map<string, SummaryRow>();
  const paths = new Map<string, PathRow>();
  const transitions = planTransitions(stringifyJson);
  if (earlier.length > 0) {
    // One after another: the batch holds one connection, and a connection runs one query at a time.
    const stored = await trx.selectFrom('journey_summary').selectAll().where('guid', 'in', earlier).execute();
    const lastSeqs = await trx.selectFrom('journey_transitions').select(['guid', (eb) => eb.fn.max('seq').as('seq')]).where('guid', 'in', earlier).groupBy('guid').execute();
    const storedPaths = await loadPaths(trx, earlier);
    for (const row of stored) summaries.set(row.guid, row);
    for (const r of lastSeqs) transitions.stored(r.guid, Number(r.seq));
    for (const [guid, p] of storedPaths) paths.set(guid, p);
  }

  const trackingRows: TrackingEventRow[] = [];
  const touched = new Set<string>();

  for (const e of journeyEvents) {
    const guid = guidOf(e);
    if (e.type === 'JourneyCreated') {
      const data = e.data as unknown as JourneyCreatedData;
      const summary = summaryFromCreated(data);
      summaries.set(guid, summary);
      paths.set(guid, emptyPath(summary));
      const initial = definitionOf(data.kind).initial;
      transitions.created(guid, transitionRow(guid, { from: null, to: initial, at: journeyStart(data), cause_event_id: null, trigger: 'created', reason: null, metadata: null }, 0, stringifyJson));
      touched.add(guid);
      continue;
    }
    const summary = summaries.get(guid);
    if (!summary) throw new Error(`Event ${e.type} at ${e.position.globalPosition} precedes its journey's creation`);
    if (e.type === 'TrackingEventLogged') {
      const data = e.data as unknown as TrackingEvent;
      const row = trackingEventRow(data, summary.kind, e.position.globalPosition, stringifyJson);
      summaries.set(guid, applyTrackingEvent(summary, data));
      trackingRows.push(row);
      if (row.is_touch) {
        let path = paths.get(guid);
        if (!path) paths.set(guid, (path = emptyPath(summary)));
        insertTouch(path, data.channel, new Date(data.occurred_at), data.event_id);
      }
    } else if (e.type === 'JourneyTransitioned') {
      const entry = entryOf(e.data as unknown as JourneyTransitionedData);
      const seq = transitions.append(guid, [entry]);
      summaries.set(guid, applyTimeline(summary, seq, [entry]));
    } else if (e.type === 'JourneyTimelineRevised') {
      const data = e.data as unknown as JourneyTimelineRevisedData;
      const seq = transitions.revise(guid, data.keep, data.transitions);
      summaries.set(guid, applyTimeline(summary, seq, data.transitions));
    } else continue;
    touched.add(guid);
  }

  const summaryRows: SummaryRow[] = [];
  const pathRows: PathRow[] = [];
  for (const guid of touched) {
    const path = paths.get(guid) ?? emptyPath(summaries.get(guid)!);
    const summary = withTouches(summaries.get(guid)!, path.touches);
    summaryRows.push(summary);
    pathRows.push(finishPath(path, summary));
  }

  for (const rows of chunks(trackingRows)) {
    await trx.insertInto('tracking_events').values(rows).onConflict((oc) => oc.columns(['guid', 'event_id']).doNothing()).execute();
  }
  for (const rows of chunks(summaryRows)) {
    await trx
      .insertInto('journey_summary')
      .values(rows)
      .onConflict((oc) =>
        oc.column('guid').doUpdateSet((eb) => {
          const cols = Object.keys(rows[0]!).filter((c) => c !== 'guid') as (keyof SummaryRow)[];
          return Object.fromEntries(cols.map((c) => [c, eb.ref(`excluded.${c}`)]));
        }),
      )
      .execute();
  }
  await writePaths(trx, pathRows);
  await transitions.write(trx);
};
