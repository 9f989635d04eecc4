// Query schemas of the attribution, insights and prediction endpoints; every violation is listed with its parameter.
import { z } from 'zod';
import { MODEL_NAMES, resolveModelName, type ModelName } from '../domain/attribution/index.ts';
import { allStates } from '../domain/journey-definition.ts';
import { outreach } from '../domain/journey-kinds.ts';
import { ProblemError } from './problems.ts';
import { toViolations } from '../domain/violation.ts';

const isoDate = z.iso.date();
const isoDateTime = z.iso.datetime({ offset: true });

/** A date (midnight UTC) or a date-time with a time zone. */
const dateOrTime = z
  .string()
  .refine((s) => isoDate.safeParse(s).success || isoDateTime.safeParse(s).success, 'an ISO 8601 date (2024-12-07) or date-time with a time zone')
  .transform((s) => new Date(s));

const windowShape = { start_date: dateOrTime, end_date: dateOrTime };
const endAfterStart = (q: { start_date: unknown; end_date: unknown }, ctx: z.RefinementCtx) => {
  // Runs even when a date is invalid (then still a string): compare only two parsed dates.
  if (q.start_date instanceof Date && q.end_date instanceof Date && q.end_date.getTime() <= q.start_date.getTime()) ctx.addIssue({ code: 'custom', path: ['end_date'], message: 'must be after start_date' });
};

export const MODEL_CHOICES = [...MODEL_NAMES, 'data_driven', 'all'] as const;

export const attributionQuery = z
  .strictObject({
    ...windowShape,
    model: z
      .string()
      .default('all')
      .refine((m) => m === 'all' || resolveModelName(m) !== undefined, `one of ${MODEL_CHOICES.join(', ')}`)
      .transform((m): ModelName | 'all' => (m === 'all' ? 'all' : resolveModelName(m)!)),
  })
  .superRefine(endAfterStart);

export const insightsQuery = z
  .strictObject({ ...windowShape, min_support: z.coerce.number().int().min(1).max(1_000_000).default(5) })
  .superRefine(endAfterStart);

const outreachStates = allStates(outreach);
export const predictionsQuery = z.strictObject({
  state: z
    .string()
    .refine((s) => outreachStates.includes(s), `an outreach state: ${outreachStates.join(', ')}`)
    .optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

/** Parses a query string or throws the validation_failed problem listing every violation. */
export const parseQuery = <S extends z.ZodType>(schema: S, query: unknown): z.output<S> => {
  const parsed = schema.safeParse(query);
  if (parsed.success) return parsed.data;
  const violations = toViolations(parsed.error);
  throw new ProblemError('validation_failed', violations.map((v) => `${v.path}: ${v.message}`).join('; '), { violations });
};
