// Time windows in query strings: [start_date, end_date), each a date (midnight UTC) or a date-time with a zone.
import { z } from 'zod';

const isoDate = z.iso.date();
const isoDateTime = z.iso.datetime({ offset: true });

/** A date (midnight UTC) or a date-time with a time zone, from 1970 to 9999. */
export const dateOrTime = z
  .string()
  .refine((s) => isoDate.safeParse(s).success || isoDateTime.safeParse(s).success, 'an ISO 8601 date (2024-12-07) or date-time with a time zone')
  .refine((s) => !(Date.parse(s) < 0), 'before 1970-01-01')
  .transform((s) => new Date(s))
  .meta({ examples: ['2024-12-01', '2024-12-01T00:00:00Z'] });

export const windowShape = {
  start_date: dateOrTime.meta({ description: 'Window start (inclusive); a date is midnight UTC' }),
  end_date: dateOrTime.meta({ description: 'Window end (exclusive), after start_date' }),
};

export const endAfterStart = (q: { start_date: unknown; end_date: unknown }, ctx: z.RefinementCtx) => {
  // Runs even when a date is invalid (then still a string): compare only two parsed dates.
  if (q.start_date instanceof Date && q.end_date instanceof Date && q.end_date.getTime() <= q.start_date.getTime()) ctx.addIssue({ code: 'custom', path: ['end_date'], message: 'must be after start_date' });
};

export const windowJson = (q: { start_date: Date; end_date: Date }) => ({ start_date: q.start_date.toISOString(), end_date: q.end_date.toISOString() });

export const windowAnswer = z.object({ start_date: z.string(), end_date: z.string() });
