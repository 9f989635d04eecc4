// The journeys the TTL worker looks at: those the journey summary shows idle past their state's limit. Only a
// nomination: the summary may be behind the stream, and the decider judges each journey on its stream again.
import type { Kysely } from 'kysely';
import type { IdleScan } from '../../domain/conversations/index.ts';
import type { JourneysTables } from '../journeys/index.ts';

export interface IdleCandidate {
  guid: string;
  kind: string;
  dealer_code: string | null;
}

/**
 * A page of candidates after `after` (by GUID, so a long backlog is walked once per look). A conversation's clock in
 * the summary is `last_event_at` (every event and move, the same as its stream's); an outreach journey's is the later
 * of `state_entered_at` and `last_contact` (touches: the stream also counts a contact attempt off the touch channels,
 * which can only make the stream's clock later, so the summary never misses a journey the stream finds idle).
 */
export const idleCandidates = async (db: Kysely<unknown>, scan: IdleScan, after: string | null, limit: number): Promise<IdleCandidate[]> => {
  const d = db as Kysely<JourneysTables>;
  if (scan.conversation.length === 0 && scan.outreach === null) return [];
  return d
    .selectFrom('journey_summary')
    .select(['guid', 'kind', 'dealer_code'])
    .where((eb) => {
      const conversations = scan.conversation.map(({ state, before }) =>
        eb.and([eb('kind', '=', 'conversation'), eb('current_state', '=', state), eb('last_event_at', '<=', before)]),
      );
      const o = scan.outreach;
      const outreach = o
        ? [
            eb.and([
              eb('kind', '=', 'outreach'),
              eb('current_state', 'in', [...o.states]),
              eb('state_entered_at', '<=', o.before),
              eb.or([eb('last_contact', 'is', null), eb('last_contact', '<=', o.before)]),
            ]),
          ]
        : [];
      const idle = eb.or([...conversations, ...outreach]);
      return after === null ? idle : eb.and([idle, eb('guid', '>', after)]);
    })
    .orderBy('guid')
    .limit(limit)
    .execute();
};
