// GET /s/{code}: an SMS short link. A registered code redirects (302) to its destination at once and records
// SMS_CLICKED in the background, flagged when a machine clicked (HEAD, scanners, too soon); anything else is a 404,
// never a redirect.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { classifyClick, SHORT_CODE_PATTERN } from '../../domain/channels/index.ts';
import { ProblemError } from '../http/problems.ts';
import { route } from '../http/route.ts';
import { recordInBackground } from './channel-events.ts';
import { smsEvent } from './sms-events.ts';
import { lookupShortLink, noteClick } from './short-link-store.ts';

const noSuchLink = () => new ProblemError('not_found', 'No such link');

export const shortLinkRedirect = route({
  method: 'get',
  path: '/s/{code}',
  summary: 'Follow an SMS short link (302 to its destination; HEAD too, recorded as a machine click)',
  description:
    'Answers at once and records SMS_CLICKED without waiting (a failure to record is logged, never a failed redirect). Codes are 1 to 10 base62 characters; an unknown or malformed code is a 404. `Cache-Control: no-store`, so that every click reaches the server.',
  tags: ['channels'],
  params: z.object({ code: z.string().regex(SHORT_CODE_PATTERN, '1 to 10 letters or digits') }),
  paramsProblem: 'not_found',
  responses: { 302: { description: 'To the destination registered for the code (Location)' } },
  problems: ['not_found'],
  scope: 'public',
  limit: 'unmetered',
  handle: async ({ params, req, deps, now, http }) => {
    const link = await lookupShortLink(deps, params.code);
    if (!link) throw noSuchLink();
    const at = now();
    const machine = classifyClick({
      userAgent: req.get('user-agent') ?? null,
      method: req.method,
      sentAtMs: link.created_at.getTime(),
      nowMs: at.getTime(),
      linksInMessage: link.link_count,
      distinctLinksClickedRecently: noteClick(deps, link, at.getTime()),
    });
    recordInBackground(deps, http, [
      smsEvent(link.guid, 'SMS_CLICKED', `sms:${link.message_id}:click:${randomUUID()}`, at, { type: 'customer' }, { message_id: link.message_id, url: link.url, machine, provider: 'threadline' }),
    ]);
    return { status: 302, headers: { Location: link.url, 'Cache-Control': 'no-store' } };
  },
});
