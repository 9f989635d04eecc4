// Reads what the insights need: outreach journeys created in a window, their status and their touches in time order.
import { sql, type Kysely } from 'kysely';
import type { InsightJourney } from '../../domain/journeys/insights.ts';
import type { TouchEvent } from '../../domain/journeys/journey-outcomes.ts';
import { isOptOutReply } from '../../domain/journeys/opt-out.ts';

import { analyticRead, type Window } from '../runner/read-model-db.ts';
import { guidOfDealers, type DealerFilter } from '../runner/dealer-filter.ts';
import type { JourneysTables } from './journeys-schema.ts';

type ReadModels = JourneysTables;

const KIND = 'outreach';

export interface TouchRow {
  event_id: string;
  channel: string;
  event_type: string;
  direction: string;
  occurred_at: Date;
  details: Record<string, unknown>;
}

export const toTouchEvent = (r: TouchRow): TouchEvent => ({
  event_id: r.event_id,
  channel: r.channel,
  event_type: r.event_type,
  direction: r.direction,
  at: r.occurred_at.getTime(),
  outcome: typeof r.details['outcome'] === 'string' ? r.details['outcome'] : null,
  opt_out: isOptOutReply(r.event_type, r.channel, r.details),
});

export const loadInsightJourneys = async (
  db: Kysely<ReadModels>,
  w: Window,
  states: { drop: readonly string[]; terminal: readonly string[] },
  dealers: DealerFilter = null,
): Promise<InsightJourney[]> => {
  const inWindow = (trx: Kysely<ReadModels>, alias: 's') =>
    trx
      .selectFrom(`journey_summary as ${alias}`)
      .where(`${alias}.kind`, '=', KIND)
      .where(`${alias}.created_at`, '>=', w.start)
      .where(`${alias}.created_at`, '<', w.end)
      .where(dealers ? guidOfDealers(`${alias}.guid`, dealers) : sql<boolean>`true`);
  const [summaries, touches] = await Promise.all([
    analyticRead(db, (trx) => inWindow(trx, 's')
      .select(['s.guid', 's.current_state', 's.state_entered_at', 's.converted_at'])
      .select(
        sql<string | null>`(SELECT t.from_state FROM journey_transitions t WHERE t.guid = s.guid ORDER BY t.seq DESC LIMIT 1)`.as('previous_state'),
      )
      .orderBy('s.guid')
      .execute()),
    analyticRead(db, (trx) => inWindow(trx, 's')
      .innerJoin('tracking_events as e', 'e.guid', 's.guid')
      .select(['e.guid', 'e.event_id', 'e.channel', 'e.event_type', 'e.direction', 'e.occurred_at', 'e.details'])
      .where('e.is_touch', '=', true)
      .orderBy('e.guid')
      .orderBy('e.occurred_at')
      .orderBy('e.global_position')
      .execute()),
  ]);
  const byGuid = new Map<string, TouchEvent[]>();
  for (const t of touches) {
    const list = byGuid.get(t.guid) ?? [];
    list.push(toTouchEvent(t));
    byGuid.set(t.guid, list);
  }
  return summaries.map((s) => ({
    status: {
      current_state: s.current_state,
      previous_state: s.previous_state,
      state_entered_at: s.state_entered_at.getTime(),
      converted: s.converted_at !== null,
      drop_states: states.drop,
      terminal_states: states.terminal,
    },
    convertedAt: s.converted_at ? s.converted_at.getTime() : null,
    touches: byGuid.get(s.guid) ?? [],
  }));
};
