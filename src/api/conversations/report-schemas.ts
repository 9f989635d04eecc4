// The conversation reports' queries and answers (agents, queues, hand-overs, heatmap, active); the OpenAPI document
// and the tests' answer checks use them.
import { z } from 'zod';
import { dealerCode } from '../../domain/journeys/index.ts';
import { dateOrTime, endAfterStart, windowAnswer, windowShape } from '../http/query-windows.ts';

const facet = (description: string) => z.string().min(1).max(200).optional().meta({ description });

const filterShape = {
  dealer: dealerCode.optional().meta({ description: "Only conversations of this dealer (the GUID's dealer); one outside the caller's dealers gives empty numbers" }),
  team: facet('Only facts of this team (each report says which team a fact has)'),
  department: facet("Only conversations whose department (newest by event time) is this"),
  query_nature: facet("Only conversations whose query nature (newest by event time) is this"),
};

export const agentsQuery = z.strictObject({ ...windowShape, ...filterShape }).superRefine(endAfterStart);
export const handoversQuery = agentsQuery;

export const QUEUE_INTERVALS = { '15m': 15 * 60_000, hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000 } as const;
export type QueueInterval = keyof typeof QUEUE_INTERVALS;
export const MAX_QUEUE_POINTS = 2000;
const pointsOf = (q: { start_date: Date; end_date: Date }, i: QueueInterval) => Math.ceil((q.end_date.getTime() - q.start_date.getTime()) / QUEUE_INTERVALS[i]);

/** Without `interval`: hours when that makes at most 1,000 points, else days, else weeks. */
export const intervalOf = (q: { start_date: Date; end_date: Date; interval?: QueueInterval | undefined }): QueueInterval =>
  q.interval ?? (['hour', 'day', 'week'] as const).find((i) => pointsOf(q, i) <= 1000) ?? 'week';

export const queuesQuery = z
  .strictObject({
    ...windowShape,
    ...filterShape,
    interval: z.enum(['15m', 'hour', 'day', 'week']).optional().meta({ description: 'Spacing of queue_length points (UTC); default hour, or day/week for long windows' }),
  })
  .superRefine(endAfterStart)
  .superRefine((q, ctx) => {
    if (!(q.start_date instanceof Date && q.end_date instanceof Date) || q.end_date <= q.start_date) return;
    if (pointsOf(q, intervalOf(q)) > MAX_QUEUE_POINTS) ctx.addIssue({ code: 'custom', path: ['interval'], message: `more than ${MAX_QUEUE_POINTS} points over this window: choose a longer interval` });
  });

/** An IANA zone name the runtime knows (a UTC offset such as +05:30 is no zone: its sign means the opposite in POSIX). */
export const isTimeZone = (tz: string): boolean => {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

export const heatmapQuery = z
  .strictObject({
    ...windowShape,
    ...filterShape,
    metric: z.enum(['demand', 'staffing', 'wait']).default('demand').meta({ description: 'demand: conversations started and messages in; staffing: agents handling; wait: median PENDING_AGENT wait' }),
    tz: z.string().max(64).default('UTC').refine(isTimeZone, 'an IANA time zone, e.g. Europe/Berlin or Asia/Kolkata').meta({ description: 'The zone of day and hour (IANA), default UTC', example: 'Asia/Kolkata' }),
  })
  .superRefine(endAfterStart);

export const activeQuery = z
  .strictObject({
    start_date: dateOrTime.optional().meta({ description: 'Only conversations started at or after this' }),
    end_date: dateOrTime.optional().meta({ description: 'Only conversations started before this' }),
    ...filterShape,
  })
  .superRefine((q, ctx) => {
    if ((q.start_date === undefined) !== (q.end_date === undefined)) ctx.addIssue({ code: 'custom', path: [q.start_date === undefined ? 'start_date' : 'end_date'], message: 'give both start_date and end_date, or neither' });
    else if (q.start_date !== undefined) endAfterStart({ start_date: q.start_date, end_date: q.end_date }, ctx);
  });

const stats = z.object({ count: z.number().int(), median_seconds: z.number().nullable(), p90_seconds: z.number().nullable() });
const filters = z.object({ dealer: z.string().nullable(), team: z.string().nullable(), department: z.string().nullable(), query_nature: z.string().nullable() });
const count = z.number().int();
const rate = z.number().nullable();

const agentMetrics = {
  conversations_handled: count,
  replies: count,
  first_response: stats,
  response_time: stats,
  resolution_time: stats,
  resolutions: count,
  resolution_rate: rate,
  reopened: count,
  reopen_rate: rate,
};

export const agentsAnswer = z.object({
  window: windowAnswer,
  filters,
  overall: z.object({ ...agentMetrics, bot_resolved: count }),
  by_agent: z.array(z.object({ agent_id: z.string().nullable(), ...agentMetrics })),
  by_team: z.array(z.object({ team: z.string().nullable(), ...agentMetrics })),
  by_category: z.array(z.object({ department: z.string().nullable(), query_nature: z.string().nullable(), ...agentMetrics })),
});

const queueNumbers = {
  waits: count,
  wait: stats,
  assigned: count,
  abandoned: count,
  abandoned_by: z.object({ expired: count, closed: count, resolved: count }),
  rerouted: count,
};

export const queuesAnswer = z.object({
  window: windowAnswer,
  filters,
  interval: z.enum(['15m', 'hour', 'day', 'week']),
  overall: z.object(queueNumbers),
  by_team: z.array(z.object({ team: z.string().nullable(), ...queueNumbers })),
  queue_length: z.array(z.object({ at: z.string(), waiting: count, joined: count, left: count })),
});

const handoverCell = { handovers: count, time_lost: stats, wait_for_agent: stats, unanswered: count };
export const handoversAnswer = z.object({
  window: windowAnswer,
  filters,
  overall: z.object(handoverCell),
  matrix: z.array(z.object({ from_team: z.string().nullable(), to_team: z.string(), ...handoverCell })),
  per_conversation: z.object({
    conversations: count,
    handovers: count,
    mean: z.number().nullable(),
    distribution: z.object({ '0': count, '1': count, '2': count, '3+': count }),
  }),
});

const cell = { day: z.number().int().min(1).max(7), hour: z.number().int().min(0).max(23) };
export const heatmapAnswer = z.object({
  window: windowAnswer,
  filters,
  metric: z.enum(['demand', 'staffing', 'wait']),
  tz: z.string(),
  cells: z.union([
    z.array(z.object({ ...cell, conversations_started: count, messages_in: count })),
    z.array(z.object({ ...cell, hours: count, agent_hours: count, agents_mean: z.number(), agents_peak: count })),
    z.array(z.object({ ...cell, waits: count, median_wait_seconds: z.number().nullable() })),
  ]),
});

export const activeAnswer = z.object({
  as_of: z.string(),
  window: windowAnswer.nullable(),
  filters,
  total: count,
  by_state: z.record(z.string(), z.object({ conversations: count, oldest_entered_at: z.string().nullable() })),
  by_team: z.array(z.object({ team: z.string().nullable(), state: z.string(), conversations: count, oldest_entered_at: z.string() })),
});
