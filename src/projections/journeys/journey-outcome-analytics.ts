// A journey's conversion analytics for GET journey: attribution, predicted conversion, score, drop-off, channel metrics.
import type { Kysely, Selectable } from 'kysely';
import type { JourneyDefinition } from '../../domain/journeys/journey-definition.ts';
import { journeyConversionAttribution } from '../../domain/attribution/index.ts';
import { channelMetrics, dropOff, journeyScore } from '../../domain/journeys/journey-outcomes.ts';
import { conversionModel, parseTouches, toJourneyPath, type JourneyPathRow } from '../attribution/index.ts';
import { toTouchEvent } from './insight-queries.ts';
import type { ActivityRow } from './journey-queries.ts';
import type { JourneySummaryTable, JourneyTransitionsTable } from './journeys-schema.ts';

export interface JourneyRows {
  summary: Selectable<JourneySummaryTable>;
  activity: ActivityRow[];
  transitions: Selectable<JourneyTransitionsTable>[];
  path: JourneyPathRow | null;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * conversion_probability: 1 once converted, 0 when closed without converting, otherwise the Markov model's
 * prediction from the journey's touches so far; null for kinds the model does not cover (only outreach).
 */
export const journeyOutcomeAnalytics = async (db: Kysely<Parameters<typeof conversionModel>[0] extends Kysely<infer DB> ? DB : never>, rows: JourneyRows, definition: JourneyDefinition, modelMaxAgeMs: number) => {
  const { summary } = rows;
  const converted = summary.converted_at !== null;
  const finished = definition.terminal.includes(summary.current_state);
  const touches = rows.activity.filter((e) => e.is_touch).map(toTouchEvent);
  const path = rows.path ? toJourneyPath({ ...rows.path, touches: parseTouches(rows.path.touches) }) : null;
  let probability: number | null = null;
  if (converted) probability = 1;
  else if (finished) probability = 0;
  else if (definition.kind === 'outreach') probability = round((await conversionModel(db, modelMaxAgeMs)).chain.conversionProbability(rows.path?.path ?? []));
  const drop = dropOff(
    {
      current_state: summary.current_state,
      previous_state: rows.transitions.at(-1)?.from_state ?? null,
      state_entered_at: summary.state_entered_at.getTime(),
      converted,
      drop_states: definition.sideStates,
      terminal_states: definition.terminal,
    },
    touches,
  );
  return {
    conversion_attribution: path ? journeyConversionAttribution(path) : null,
    conversion_probability: probability,
    journey_score: journeyScore(converted, finished, probability),
    drop_off_points: drop ? [drop] : [],
    channel_metrics: channelMetrics(touches),
  };
};
