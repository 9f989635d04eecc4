// The audit trail's export: every record of a time window in seq order, with its place in the chain (NDJSON).
import type { Response } from 'express';
import { z } from 'zod';
import { isGuid } from '../../domain/journeys/index.ts';
import { readAudit, type AuditRecord } from '../../projections/access/index.ts';
import { dateOrTime } from '../http/query-windows.ts';
import { requireAllDealers } from '../http/dealer-scope.ts';
import { route, type AnyRoute } from '../http/route.ts';

/** The longest window one export may span, as a year of reports plus a margin. */
export const MAX_AUDIT_WINDOW_DAYS = 400;
const DAY_MS = 86_400_000;
/** Records read per query while streaming. */
const PAGE = 1000;

export const auditTrailQuery = z
  .strictObject({
    from: dateOrTime.meta({ description: 'Records at or after this time; a date is midnight UTC' }),
    to: dateOrTime.meta({ description: `Records before this time, after from and at most ${MAX_AUDIT_WINDOW_DAYS} days after it` }),
    actor: z.string().min(1).max(200).optional().meta({ description: "Only this principal's records: a key id, `admin`, or a token's subject" }),
    guid: z.string().refine(isGuid, 'not a Threadline GUID').optional().meta({ description: 'Only records of requests that touched this journey' }),
    after: z.coerce.number().int().min(0).optional().meta({ description: 'Resume after this seq (the last line an interrupted export wrote)' }),
  })
  .superRefine((q, ctx) => {
    // Runs even when a time is invalid (then still a string): compare only two parsed times.
    if (!(q.from instanceof Date && q.to instanceof Date)) return;
    const span = q.to.getTime() - q.from.getTime();
    if (span <= 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    else if (span > MAX_AUDIT_WINDOW_DAYS * DAY_MS) ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${MAX_AUDIT_WINDOW_DAYS} days after from` });
  });

const line = (r: AuditRecord): string =>
  `${JSON.stringify({ seq: r.seq, at: r.at, source: r.source, action: r.action, request_id: r.request_id, actor: r.actor, ip: r.ip, objects: r.objects, result: r.result, status: r.status, reason: r.reason, prev_hash: r.prev_hash, hash: r.hash })}\n`;

/** Waits until the client takes more (true) or goes away (false: stop reading the trail for it). */
const drained = (res: Response) =>
  new Promise<boolean>((resolve) => {
    const onDrain = () => {
      res.off('close', onClose);
      resolve(true);
    };
    const onClose = () => {
      res.off('drain', onDrain);
      resolve(false);
    };
    res.once('drain', onDrain);
    res.once('close', onClose);
  });

export const exportAudit = route({
  method: 'get',
  path: '/api/v2/audit',
  summary: 'The audit trail of a time window, in seq order, with each record\'s prev_hash and hash (NDJSON)',
  description:
    'One record per line: who (actor), what (action, objects), when (at), from where (ip) and how it ended (result, status, reason). ' +
    'Each hash is sha256(prev_hash + "\\n" + the canonical JSON of the record with its seq); `threadline audit verify` checks the whole chain. ' +
    'Needs credentials for every dealer: the trail spans them all. The export itself is audited.',
  tags: ['audit'],
  query: auditTrailQuery,
  responses: { 200: { description: 'One audit record per line', contentType: 'application/x-ndjson' } },
  problems: ['validation_failed'],
  scope: 'audit:read',
  limit: 'export',
  handle: async ({ query, principal, touched, deps, res }) => {
    // The trail spans every dealer, so a dealer-bound auditor may not read it.
    requireAllDealers(principal, 'The audit trail');
    touched(`audit:${query.from.toISOString()}..${query.to.toISOString()}`, ...(query.actor !== undefined ? [`actor:${query.actor}`] : []), ...(query.guid !== undefined ? [query.guid] : []));
    const filter = { from: query.from, to: query.to, actor: query.actor, guid: query.guid, limit: PAGE };
    // The first page before the status line, so that a database that is away still answers a problem.
    let page = await readAudit(deps.store.readModels, { ...filter, after: query.after });
    res.status(200).type('application/x-ndjson');
    for (;;) {
      for (const r of page) if (!res.write(line(r)) && !(await drained(res))) return;
      if (page.length < PAGE) break;
      page = await readAudit(deps.store.readModels, { ...filter, after: page.at(-1)!.seq });
    }
    res.end();
  },
});

export const auditRoutes: readonly AnyRoute[] = [exportAudit];
