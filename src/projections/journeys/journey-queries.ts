// Query side: one journey (summary, a page of its events, state intervals, analytics inputs) in one snapshot; journey lists with keyset cursors.
import { sql, type Kysely, type Selectable } from 'kysely';
import { journeyStreamName } from '../../domain/journeys/journey-events.ts';
import { analyticRead, narrow } from '../runner/read-model-db.ts';
import { guidOfDealers, type DealerFilter } from '../runner/dealer-filter.ts';
import { getJourneyPathRow, type AttributionTables } from '../attribution/index.ts';
import { listQuarantine } from '../runner/quarantine.ts';
import type { RunnerTables } from '../runner/runner-schema.ts';
import type { JourneysTables, JourneySummaryTable } from './journeys-schema.ts';

type ReadModels = JourneysTables & AttributionTables & RunnerTables;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const summaryJson = (s: Selectable<JourneySummaryTable>) => ({
  guid: s.guid,
  kind: s.kind,
  vin: s.vin,
  customer_id: s.customer_id,
  dealer_code: s.dealer_code,
  component_code: s.component_code,
  severity: s.severity,
  risk_score: s.risk_score,
  failure_probability: s.failure_probability,
  risk_event_at: iso(s.risk_event_at),
  created_at: iso(s.created_at),
  issued_at: iso(s.issued_at),
  first_contact: iso(s.first_contact),
  last_contact: iso(s.last_contact),
  last_event_at: iso(s.last_event_at),
  total_touches: s.total_touches,
  total_events: s.total_events,
  channels_used: s.channels_used,
  current_state: s.current_state,
  state_entered_at: iso(s.state_entered_at),
  converted_at: iso(s.converted_at),
  conversion_channel: s.conversion_channel,
  appointment_id: s.appointment_id,
  revenue_realized: s.revenue_realized === null ? null : Number(s.revenue_realized),
});

/** Where a page of a journey's events starts: after this event in (occurred_at, event_id) order. */
export interface EventsPage {
  limit: number;
  order: 'asc' | 'desc';
  after?: { occurred_at: string; event_id: string } | undefined;
}

/**
 * What every event says for the journey's analytics, without its details (a journey of 30,000 events reads in
 * milliseconds): the fields the analytics read, and the few detail fields they need.
 */
export interface ActivityRow {
  event_id: string;
  event_type: string;
  channel: string;
  occurred_at: Date;
  is_touch: boolean;
  direction: string;
  details: Record<string, unknown>;
}

/**
 * One journey as one snapshot (a repeatable-read transaction: the summary, the page of events, the analytics'
 * inputs and the transitions agree however many writes land meanwhile).
 */
export const getJourneyRows = (db: Kysely<ReadModels>, guid: string, page: EventsPage = { limit: 300, order: 'asc' }) =>
  db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const summary = await trx.selectFrom('journey_summary').selectAll().where('guid', '=', guid).executeTakeFirst();
      if (!summary) return null;
      const cmp = page.order === 'asc' ? '>' : '<';
      let eventsQuery = trx.selectFrom('tracking_events').selectAll().where('guid', '=', guid);
      const after = page.after;
      if (after) eventsQuery = eventsQuery.where((eb) => eb(eb.refTuple('occurred_at', 'event_id'), cmp, eb.tuple(new Date(after.occurred_at), after.event_id)));
      const events = await eventsQuery.orderBy('occurred_at', page.order).orderBy('event_id', page.order).limit(page.limit + 1).execute();
      const activity = await trx
        .selectFrom('tracking_events')
        .select(['event_id', 'event_type', 'channel', 'occurred_at', 'is_touch', 'direction'])
        .select([
          sql<string | null>`details->>'outcome'`.as('outcome'),
          sql<string | null>`details->>'keyword'`.as('keyword'),
          sql<string | null>`details->>'text'`.as('text'),
          sql<string | null>`details->>'source'`.as('source'),
        ])
        .where('guid', '=', guid)
        .orderBy('occurred_at')
        .orderBy('event_id')
        .execute();
      const transitions = await trx.selectFrom('journey_transitions').selectAll().where('guid', '=', guid).orderBy('seq').execute();
      const path = await getJourneyPathRow(narrow(trx), guid);
      const quarantined = await listQuarantine(narrow(trx), { streamId: journeyStreamName(guid), limit: 100 });
      const last = events.length > page.limit ? events[page.limit - 1] : undefined;
      return {
        summary,
        events: events.slice(0, page.limit),
        next: last ? { occurred_at: last.occurred_at.toISOString(), event_id: last.event_id } : null,
        activity: activity.map(({ outcome, keyword, text, source, ...a }): ActivityRow => ({
          ...a,
          details: Object.fromEntries(Object.entries({ outcome, keyword, text, source }).filter(([, v]) => v !== null)),
        })),
        transitions,
        path: path ?? null,
        quarantined,
      };
    });

export interface JourneyFilter {
  state?: string | undefined;
  dealer_code?: string | undefined;
  kind?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  after?: { created_at: string; guid: string } | undefined;
  /** Only journeys of these dealers (the caller's scope); null for every dealer. */
  dealers?: DealerFilter;
}

/** Newest first, keyset-paginated on (created_at, guid) so pages stay stable while journeys are added. */
export const listJourneys = async (db: Kysely<ReadModels>, f: JourneyFilter) => {
  // Planned for the filter's actual values (a state, a window): see analyticRead.
  const rows = await analyticRead(db, (trx) => {
    let q = trx.selectFrom('journey_summary').selectAll();
    if (f.state) q = q.where('current_state', '=', f.state);
    if (f.dealer_code) q = q.where('dealer_code', '=', f.dealer_code);
    if (f.dealers) q = q.where(guidOfDealers('guid', f.dealers));
    if (f.kind) q = q.where('kind', '=', f.kind);
    if (f.from) q = q.where('created_at', '>=', new Date(f.from));
    if (f.to) q = q.where('created_at', '<', new Date(f.to));
    const after = f.after;
    if (after) q = q.where((eb) => eb(eb.refTuple('created_at', 'guid'), '<', eb.tuple(new Date(after.created_at), after.guid)));
    return q.orderBy('created_at', 'desc').orderBy('guid', 'desc').limit(f.limit + 1).execute();
  });
  const page = rows.slice(0, f.limit);
  const last = page.at(-1);
  return {
    journeys: page.map(summaryJson),
    next: rows.length > f.limit && last ? { created_at: last.created_at.toISOString(), guid: last.guid } : null,
  };
};
