// What a stream asks for (`?events=&guid=&dealer_code=&kind=`) and where it resumes (Last-Event-ID), parsed at the
// boundary, and narrowed to the caller's dealers: a dealer-bound key never receives another dealer's envelope.
import { z } from 'zod';
import { seesDealer, type Principal } from '../../domain/access/index.ts';
import { isGuid, parseGuid } from '../../domain/journeys/index.ts';
import { LIVE_EVENT_NAMES } from '../../domain/live/index.ts';
import { parseCursor, type EnvelopeFilter } from '../../projections/live/index.ts';
import { ProblemError } from '../http/problems.ts';

const list = (s: string) => s.split(',').map((x) => x.trim()).filter((x) => x.length > 0);

const eventId = z
  .string()
  .max(40)
  .refine((s) => s.trim() === '' || parseCursor(s) !== null, 'an id this stream sent: <position>-<idx>, e.g. 1042-0');

export const streamQuery = z.strictObject({
  events: z
    .string()
    .max(500)
    .transform(list)
    .pipe(z.array(z.enum(LIVE_EVENT_NAMES)))
    .optional()
    .meta({ description: `Comma-separated event names (${LIVE_EVENT_NAMES.join(', ')}); all when absent`, example: 'journey.state_changed,journey.converted' }),
  guid: z.string().refine(isGuid, 'not a Threadline GUID').optional().meta({ description: "Only this journey's envelopes" }),
  dealer_code: z
    .string()
    .max(500)
    .transform(list)
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9]{1,16}$/, '1 to 16 letters or digits').transform((s) => s.toUpperCase())))
    .optional()
    .meta({ description: 'Comma-separated dealer codes, each within the credentials\' scope (else 403); all the credentials see when absent' }),
  kind: z.enum(['outreach', 'conversation']).optional().meta({ description: 'Only journeys of this kind' }),
  last_event_id: eventId.optional().meta({ description: 'Resume after this id, for clients that cannot send the Last-Event-ID header (the header wins when both are sent)' }),
});
export type StreamQuery = z.output<typeof streamQuery>;

export const streamHeaders = z.object({
  'last-event-id': eventId.optional().meta({ description: 'Resume after this id: every matching envelope after it, then live. Without it the stream starts now' }),
});

/** The envelopes this caller asked for and may see; a dealer outside its scope is a 403, a GUID it cannot see a 404. */
export const streamFilter = (q: StreamQuery, principal: Principal | null): EnvelopeFilter => {
  const scope = principal?.dealers ?? 'all';
  const outside = (q.dealer_code ?? []).filter((d) => !seesDealer({ dealers: scope }, d));
  if (outside.length > 0) throw new ProblemError('forbidden', `These credentials do not see dealer ${outside.join(', ')}`);
  // As on every keyed route: another dealer's journey answers as if it did not exist.
  if (q.guid !== undefined && !seesDealer({ dealers: scope }, parseGuid(q.guid)?.dealer)) throw new ProblemError('unknown_guid', `No journey ${q.guid}`);
  const asked = q.dealer_code && q.dealer_code.length > 0 ? q.dealer_code : undefined;
  return {
    ...(q.events && q.events.length > 0 ? { types: q.events } : {}),
    ...(q.guid !== undefined ? { guid: q.guid } : {}),
    ...(q.kind !== undefined ? { kind: q.kind } : {}),
    dealers: asked ?? scope,
  };
};
