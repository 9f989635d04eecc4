// Query side: one journey's events, summary and state intervals; journey lists with keyset cursors.
import type { Kysely, Selectable } from 'kysely';
import { analyticRead } from './read-model-db.ts';
import type { JourneySummaryTable, ReadModels } from './schema.ts';

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

export const getJourneyRows = async (db: Kysely<ReadModels>, guid: string) => {
  const summary = await db.selectFrom('journey_summary').selectAll().where('guid', '=', guid).executeTakeFirst();
  if (!summary) return null;
  const [events, transitions] = await Promise.all([
    db.selectFrom('tracking_events').selectAll().where('guid', '=', guid).orderBy('occurred_at').orderBy('global_position').execute(),
    db.selectFrom('journey_transitions').selectAll().where('guid', '=', guid).orderBy('seq').execute(),
  ]);
  return { summary, events, transitions };
};

export interface JourneyFilter {
  state?: string | undefined;
  dealer_code?: string | undefined;
  kind?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  after?: { created_at: string; guid: string } | undefined;
}

/** Newest first, keyset-paginated on (created_at, guid) so pages stay stable while journeys are added. */
export const listJourneys = async (db: Kysely<ReadModels>, f: JourneyFilter) => {
  // Planned for the filter's actual values (a state, a window): see analyticRead.
  const rows = await analyticRead(db, (trx) => {
    let q = trx.selectFrom('journey_summary').selectAll();
    if (f.state) q = q.where('current_state', '=', f.state);
    if (f.dealer_code) q = q.where('dealer_code', '=', f.dealer_code);
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
