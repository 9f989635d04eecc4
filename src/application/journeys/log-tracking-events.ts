// Logs tracking events for many journeys at once (one executeMany: all journeys in one atomic append where the store
// has one) and says, per event, what became of it: stored, a duplicate of one stored before, no such journey, or
// not stored because the store failed (the only case a retry can change).
import type { TrackingEvent } from '../../domain/journeys/index.ts';
import type { CommandStore } from '../../eventstore/index.ts';
import { journeyCommands } from './journey-commands.ts';

export type LoggedEvent =
  | { status: 201; event_id: string }
  | { status: 200; event_id: string; duplicate: true }
  | { status: 404; guid: string }
  | { status: 503; guid: string; cause: unknown };

export const logTrackingEvents = async (store: CommandStore, groups: readonly (readonly [guid: string, events: readonly TrackingEvent[]])[]): Promise<LoggedEvent[][]> => {
  const outcomes = await journeyCommands.executeMany(store, groups.map(([guid, events]) => ({ id: guid, command: { type: 'LogEvents', data: { events: [...events] } } })));
  return groups.map(([guid, events], g) => {
    const outcome = outcomes[g]!;
    if (!outcome.ok) {
      const cause = outcome.error.code === 'store_unavailable' ? (outcome.error as { cause?: unknown }).cause : undefined;
      return events.map(() => (outcome.error.code === 'store_unavailable' ? { status: 503 as const, guid, cause } : { status: 404 as const, guid }));
    }
    // The same event_id twice in one request: the first is stored, the second is its duplicate.
    const stored = new Set(outcome.events.flatMap((e) => (e.type === 'TrackingEventLogged' ? [e.data.event_id] : [])));
    const answered = new Set<string>();
    return events.map((e) => {
      const fresh = stored.has(e.event_id) && !answered.has(e.event_id);
      answered.add(e.event_id);
      return fresh ? { status: 201 as const, event_id: e.event_id } : { status: 200 as const, event_id: e.event_id, duplicate: true as const };
    });
  });
};
