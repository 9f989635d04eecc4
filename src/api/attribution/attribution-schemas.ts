// The attribution API's query schemas and answers.
import { z } from 'zod';
import { MODEL_NAMES, resolveModelName, type ModelName } from '../../domain/attribution/index.ts';
import { allStates, outreach } from '../../domain/journeys/index.ts';
import { endAfterStart, windowAnswer, windowShape } from '../http/query-windows.ts';

export const MODEL_CHOICES = [...MODEL_NAMES, 'data_driven', 'all'] as const;

export const attributionQuery = z
  .strictObject({
    ...windowShape,
    model: z
      .string()
      .default('all')
      .refine((m) => m === 'all' || resolveModelName(m) !== undefined, `one of ${MODEL_CHOICES.join(', ')}`)
      .transform((m): ModelName | 'all' => (m === 'all' ? 'all' : resolveModelName(m)!))
      .meta({ description: `One of ${MODEL_CHOICES.join(', ')} (data_driven is markov; all, the default, answers every model side by side)` }),
  })
  .superRefine(endAfterStart);

const outreachStates = allStates(outreach);
export const predictionsQuery = z.strictObject({
  state: z
    .string()
    .refine((s) => outreachStates.includes(s), `an outreach state: ${outreachStates.join(', ')}`)
    .optional()
    .meta({ description: 'Only journeys in this outreach state' }),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

const credit = z.record(z.string(), z.object({ conversions: z.number(), revenue: z.number(), share: z.number() }));
const totals = {
  total_revenue: z.number(),
  conversions: z.number().int(),
  unattributed_conversions: z.number().int().meta({ description: 'Converted journeys without a touch before their conversion: counted, not split' }),
  non_converting_journeys: z.number().int(),
  window: windowAnswer,
};

export const attributionAnswer = z.union([
  z.object({ model: z.literal('all'), models: z.record(z.string(), z.object({ attribution: credit })), ...totals }),
  z.object({ model: z.enum(MODEL_NAMES), attribution: credit, ...totals }),
]);

export const predictionsAnswer = z.object({
  predictions: z.array(z.object({ guid: z.string(), current_state: z.string(), probability: z.number(), touches: z.array(z.string()) })),
  open_journeys: z.number().int(),
  model: z.object({
    kind: z.literal('markov'),
    order: z.number().int(),
    fitted_on_journeys: z.number().int(),
    conversions: z.number().int(),
    nulls: z.number().int(),
    baseline_probability: z.number(),
    fitted_at: z.string(),
  }),
});
