// The journey aggregate on the generic command handler: streams `journey-<GUID>`, events read through the codec.
import { journeyDecider, type DecideError, type JourneyCommand } from '../../domain/journeys/journey-decider.ts';
import { decodeJourneyEvent } from '../../domain/journeys/journey-event-codec.ts';
import { journeyStreamName, type JourneyEvent } from '../../domain/journeys/journey-events.ts';
import { createCommandHandler } from '../command-handler.ts';

export const journeyCommands = createCommandHandler<ReturnType<typeof journeyDecider.initialState>, JourneyCommand, JourneyEvent, DecideError>({
  name: 'journey',
  decider: journeyDecider,
  streamName: journeyStreamName,
  decode: (type, data) => {
    const decoded = decodeJourneyEvent(type, data);
    if (!decoded.ok) throw new Error(`A stored journey event cannot be read: ${decoded.error}`);
    return decoded.event;
  },
});
