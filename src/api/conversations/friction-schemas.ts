// The friction report's query and answer (the OpenAPI document and the tests' answer checks use them).
import { z } from 'zod';
import { dealerCode } from '../../domain/journeys/index.ts';
import { endAfterStart, windowAnswer, windowShape } from '../http/query-windows.ts';

const facet = (description: string) => z.string().min(1).max(200).optional().meta({ description });

export const frictionQuery = z
  .strictObject({
    webview_id: z.string().min(1).max(200).meta({ description: 'The self-service flow (the webview_id its events carry)', example: 'service-booking' }),
    ...windowShape,
    dealer: dealerCode.optional().meta({ description: "Only conversations of this dealer (the GUID's dealer)" }),
    team: facet("Only runs of this team: the conversation's team when the run opened, else the first team it reached after"),
    department: facet("Only conversations whose department (newest by event time) is this"),
    query_nature: facet("Only conversations whose query nature (newest by event time) is this"),
  })
  .superRefine(endAfterStart);

const rate = z.number().nullable();
const seconds = z.number().nullable();

export const frictionAnswer = z.object({
  webview_id: z.string(),
  window: windowAnswer,
  filters: z.object({ dealer: z.string().nullable(), team: z.string().nullable(), department: z.string().nullable(), query_nature: z.string().nullable() }),
  totals: z.object({
    opened: z.number().int(),
    completed: z.number().int(),
    completion_rate: rate,
    escalated: z.number().int(),
    escalation_rate: rate,
    dropped: z.number().int(),
    exited: z.number().int(),
    abandoned: z.number().int(),
    dropped_before_first_step: z.number().int(),
  }),
  steps: z.array(
    z.object({
      step: z.string(),
      step_index: z.number().int().nullable(),
      reached: z.number().int(),
      completed: z.number().int(),
      dropped: z.number().int(),
      exited: z.number().int(),
      abandoned: z.number().int(),
      escalated: z.number().int(),
      went_back: z.number().int(),
      completion_rate: rate,
      drop_rate: rate,
      time_seconds: z.object({ median: seconds, p90: seconds, samples: z.number().int() }),
      exit_reasons: z.array(z.object({ reason: z.string().nullable(), count: z.number().int() })),
    }),
  ),
});
