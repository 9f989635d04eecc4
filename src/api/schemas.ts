// Query-string schemas of the journey query API.
import { z } from 'zod';
import { dealerCode, isoTime } from '../domain/journey-requests.ts';

export const listJourneysQuery = z.strictObject({
  state: z.string().max(64).optional(),
  dealer_code: dealerCode.optional(),
  kind: z.enum(['outreach', 'conversation']).optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(500).optional(),
});

export const auditQuery = z.strictObject({ from: isoTime.optional(), to: isoTime.optional() });

/** A page of one journey's events; the summary and analytics always describe the whole journey. */
export const journeyQuery = z.strictObject({
  events_limit: z.coerce.number().int().min(1).max(1000).default(300),
  events_cursor: z.string().max(500).optional(),
  events_order: z.enum(['asc', 'desc']).default('asc'),
});
