// Inbound SMS replies no journey took: listed for an administrator (every dealer's replies, so only credentials with
// every dealer), and attached by hand to the journey they belong to, which records them as if matched.
import { z } from 'zod';
import { REPLY_CLASSIFICATIONS } from '../../domain/channels/index.ts';
import { isGuid } from '../../domain/journeys/index.ts';
import { claimUnmatchedReply, listUnmatchedReplies, releaseUnmatchedReply, unmatchedReplyById, type ReplyCursor, type UnmatchedReply } from '../../projections/channels/index.ts';
import { narrow } from '../../projections/runner/read-model-db.ts';
import { requireAllDealers, seesGuid } from '../http/dealer-scope.ts';
import { invalid, ProblemError } from '../http/problems.ts';
import { bodyOf, route } from '../http/route.ts';
import { recordEvents } from './channel-events.ts';
import { replyEvents, type InboundReply } from './sms-events.ts';

const replyJson = z.object({
  id: z.string(),
  message_sid: z.string(),
  from_hash: z.string().describe("The sender's keyed hash (never the number)"),
  to: z.string(),
  text: z.string(),
  keyword: z.string(),
  body_length: z.number().int(),
  classification: z.enum(REPLY_CLASSIFICATIONS),
  received_at: z.string(),
  attached_guid: z.string().nullable(),
  attached_at: z.string().nullable(),
});

const jsonOf = (r: UnmatchedReply): z.infer<typeof replyJson> => ({
  id: r.id,
  message_sid: r.message_sid,
  from_hash: r.from_hash,
  to: r.to_number,
  text: r.text,
  keyword: r.keyword,
  body_length: r.body_length,
  classification: r.classification as InboundReply['classification'],
  received_at: r.received_at.toISOString(),
  attached_guid: r.attached_guid,
  attached_at: r.attached_at?.toISOString() ?? null,
});

const encodeCursor = (r: UnmatchedReply) => Buffer.from(JSON.stringify({ received_at: r.received_at.toISOString(), id: r.id })).toString('base64url');

const cursorShape = z.object({ received_at: z.iso.datetime(), id: z.string().max(100) });

const decodeCursor = (raw: string): ReplyCursor => {
  try {
    const parsed = cursorShape.safeParse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // Falls through to the violation: a cursor is only ever one this route answered.
  }
  throw invalid([{ path: 'cursor', message: 'a next_cursor this list answered' }]);
};

export const listUnmatched = route({
  method: 'get',
  path: '/api/v2/channels/sms/unmatched',
  summary: 'Inbound SMS replies no journey took, newest first',
  description: 'Attached ones stay listed, with the journey they were attached to. Needs credentials with every dealer in scope (a reply names no dealer).',
  tags: ['channels'],
  query: z.object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().max(500).optional().describe('next_cursor of the page before'),
  }),
  responses: { 200: { description: 'A page of replies', schema: z.object({ replies: z.array(replyJson), next_cursor: z.string().nullable() }) } },
  problems: [],
  scope: 'journeys:read',
  handle: async ({ query, deps, principal }) => {
    requireAllDealers(principal, 'The unmatched SMS replies');
    const rows = await listUnmatchedReplies(narrow(deps.db), query.limit + 1, query.cursor ? decodeCursor(query.cursor) : null);
    const page = rows.slice(0, query.limit);
    return { status: 200, body: { replies: page.map(jsonOf), next_cursor: rows.length > query.limit ? encodeCursor(page[page.length - 1]!) : null } };
  },
});

const inboundOf = (r: UnmatchedReply): InboundReply => ({
  messageSid: r.message_sid,
  fromHash: r.from_hash,
  text: r.text,
  keyword: r.keyword,
  bodyLength: r.body_length,
  classification: r.classification as InboundReply['classification'],
  receivedAt: r.received_at,
});

export const attachUnmatched = route({
  method: 'post',
  path: '/api/v2/channels/sms/unmatched/{id}/attach',
  summary: 'Attach an unmatched SMS reply to its journey',
  description:
    "Records the reply on the journey as a matched one would be (SMS_RECEIVED at the time it arrived, and the opt-out, opt-in or routing it derives: an attached STOP suppresses the number at the journey's dealer). Attaching it to the same journey again answers 200 and stores nothing twice; to another journey, 409 reply_attached. Needs credentials with every dealer in scope, like the list.",
  tags: ['channels'],
  params: z.object({ id: z.string().max(100) }),
  paramsProblem: 'not_found',
  body: bodyOf(z.strictObject({ guid: z.string().refine(isGuid, 'a journey GUID') })),
  responses: { 200: { description: 'Attached (now or before)', schema: z.object({ id: z.string(), guid: z.string(), event_ids: z.array(z.string()) }) } },
  problems: ['not_found', 'unknown_guid', 'reply_attached'],
  scope: 'journeys:write',
  handle: async ({ params, body, deps, now, principal, touched, http }) => {
    requireAllDealers(principal, 'Attaching unmatched SMS replies');
    touched(body.guid);
    if (!seesGuid(principal, body.guid)) throw new ProblemError('unknown_guid', `No journey with GUID ${body.guid}`);
    const reply = await unmatchedReplyById(narrow(deps.db), params.id);
    if (!reply) throw new ProblemError('not_found', `No unmatched reply ${params.id}`);
    // Claimed first, so that two attaches to different journeys cannot both record it.
    if (!(await claimUnmatchedReply(narrow(deps.db), reply.id, body.guid, now()))) throw new ProblemError('reply_attached', `This reply is attached to ${reply.attached_guid ?? 'another journey'}`, { attached_guid: reply.attached_guid });
    const events = replyEvents(body.guid, inboundOf(reply));
    const [first] = await recordEvents(http, events);
    if (first!.status === 404) {
      await releaseUnmatchedReply(narrow(deps.db), reply.id, body.guid);
      throw new ProblemError('unknown_guid', `No journey with GUID ${body.guid}`);
    }
    return { status: 200, body: { id: reply.id, guid: body.guid, event_ids: events.map((e) => e.event_id) } };
  },
});
