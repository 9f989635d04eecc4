// Projects a batch of journey-stream events into tracking_events, journey_summary, journey_transitions and journey_paths.
import { sql, type Kysely } from 'kysely';
import { allStates } from '../domain/journey-definition.ts';
import type { JourneyCreatedData, JourneyTransitionedData } from '../domain/journey-events.ts';
import { JOURNEY_STREAM_PREFIX } from '../domain/journey-events.ts';
import { JOURNEY_KINDS } from '../domain/journey-kinds.ts';
import { isTouch, type TrackingEvent } from '../domain/tracking-event.ts';
import type { LoggedEvent } from '../eventstore/global-log.ts';
import { projectJourneyPaths } from './journey-paths.ts';
import type { ReadModels } from './schema.ts';
import {
  applyTrackingEvent,
  applyTransition,
  initialTransition,
  summaryFromCreated,
  trackingEventRow,
  transitionRow,
  type SummaryRow,
  type TrackingEventRow,
  type TransitionRow,
} from './journey-summary-reducer.ts';

interface OpenTransition {
  seq: number;
  entered_at: Date;
  /** The row when it was written in this batch; null when it is already in the table. */
  pending: TransitionRow | null;
}

const CHUNK = 1000;

const chunks = <T>(rows: T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
};

const close = (open: OpenTransition, at: Date, closed: { guid: string; seq: number; left_at: Date; duration_ms: number }[], guid: string) => {
  const left = at.getTime() < open.entered_at.getTime() ? open.entered_at : at;
  const duration = left.getTime() - open.entered_at.getTime();
  if (open.pending) {
    open.pending.left_at = left;
    open.pending.duration_ms = duration;
  } else closed.push({ guid, seq: open.seq, left_at: left, duration_ms: duration });
};

/** Applies events (already in log order) inside the caller's transaction. */
export const projectJourneyEvents = async (trx: Kysely<ReadModels>, events: LoggedEvent[]): Promise<void> => {
  const journeyEvents = events.filter((e) => e.streamId.startsWith(JOURNEY_STREAM_PREFIX));
  if (journeyEvents.length === 0) return;
  const guidOf = (e: LoggedEvent) => e.streamId.slice(JOURNEY_STREAM_PREFIX.length);
  // A journey created in this batch has no rows yet: only the others are read (a batch of new journeys reads nothing).
  const createdHere = new Set(journeyEvents.filter((e) => e.type === 'JourneyCreated').map(guidOf));
  const earlier = [...new Set(journeyEvents.map(guidOf))].filter((g) => !createdHere.has(g));

  const summaries = new Map<string, SummaryRow>();
  const open = new Map<string, OpenTransition>();
  if (earlier.length > 0) {
    for (const row of await trx.selectFrom('journey_summary').selectAll().where('guid', 'in', earlier).execute()) {
      summaries.set(row.guid, row);
    }
    const lastRows = await trx
      .selectFrom('journey_transitions')
      .select(['guid', 'seq', 'entered_at'])
      .distinctOn('guid')
      .where('guid', 'in', earlier)
      .orderBy('guid')
      .orderBy('seq', 'desc')
      .execute();
    for (const r of lastRows) open.set(r.guid, { seq: r.seq, entered_at: r.entered_at, pending: null });
  }

  const trackingRows: TrackingEventRow[] = [];
  const newTransitions: TransitionRow[] = [];
  const closed: { guid: string; seq: number; left_at: Date; duration_ms: number }[] = [];
  const touched = new Set<string>();

  for (const e of journeyEvents) {
    const guid = guidOf(e);
    if (e.type === 'JourneyCreated') {
      const data = e.data as unknown as JourneyCreatedData;
      summaries.set(guid, summaryFromCreated(data));
      const first = initialTransition(data);
      newTransitions.push(first);
      open.set(guid, { seq: 0, entered_at: first.entered_at, pending: first });
      touched.add(guid);
      continue;
    }
    const summary = summaries.get(guid);
    if (!summary) throw new Error(`Event ${e.type} at ${e.position.globalPosition} precedes its journey's creation`);
    if (e.type === 'TrackingEventLogged') {
      const data = e.data as unknown as TrackingEvent;
      const touch = isTouch(data, allStates(JOURNEY_KINDS[summary.kind as keyof typeof JOURNEY_KINDS]));
      summaries.set(guid, applyTrackingEvent(summary, data, touch));
      trackingRows.push(trackingEventRow(data, summary.kind, e.position.globalPosition));
    } else if (e.type === 'JourneyTransitioned') {
      const data = e.data as unknown as JourneyTransitionedData;
      const previous = open.get(guid);
      const seq = previous ? previous.seq + 1 : 0;
      const row = transitionRow(data, seq);
      if (previous) close(previous, row.entered_at, closed, guid);
      newTransitions.push(row);
      open.set(guid, { seq, entered_at: row.entered_at, pending: row });
      summaries.set(guid, applyTransition(summary, data));
    } else continue;
    touched.add(guid);
  }

  for (const rows of chunks(trackingRows)) {
    await trx.insertInto('tracking_events').values(rows).onConflict((oc) => oc.columns(['guid', 'event_id']).doNothing()).execute();
  }
  const summaryRows = [...touched].map((g) => summaries.get(g)!);
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
  await projectJourneyPaths(trx, trackingRows, summaryRows, createdHere);
  for (const rows of chunks(newTransitions)) await trx.insertInto('journey_transitions').values(rows).execute();
  if (closed.length > 0) {
    // One statement for every transition the batch closed, instead of one per row.
    await sql`UPDATE journey_transitions AS t SET left_at = c.left_at, duration_ms = c.duration_ms
      FROM unnest(${closed.map((c) => c.guid)}::text[], ${closed.map((c) => c.seq)}::int[],
                  ${closed.map((c) => c.left_at)}::timestamptz[], ${closed.map((c) => c.duration_ms)}::bigint[])
           AS c(guid, seq, left_at, duration_ms)
     WHERE t.guid = c.guid AND t.seq = c.seq`.execute(trx);
  }
};
