// Appends mapped Segment messages: grouped by journey, all journeys in one executeMany (as POST /events does), and
// one result per message. Another dealer's journey answers exactly as a journey that does not exist.
import type { Principal } from '../../domain/access/index.ts';
import type { TrackingEvent } from '../../domain/journeys/index.ts';
import type { SegmentOutcome } from '../../domain/segment/index.ts';
import type { Violation } from '../../domain/shared/violation.ts';
import { seesGuid } from '../http/dealer-scope.ts';
import type { AppDeps } from '../http/deps.ts';
import type { HttpRuntime } from '../http/route.ts';

export type MessageResult =
  | { status: 201; event_id: string }
  | { status: 200; event_id: string; duplicate: true }
  | { status: 400; violations: Violation[] }
  | { status: 413; detail: string }
  | { status: 404; guid: string }
  | { status: 503; guid: string };

export const ingestMessages = async (deps: AppDeps, http: HttpRuntime, principal: Principal | null, touched: (...o: string[]) => void, outcomes: readonly SegmentOutcome[]): Promise<MessageResult[]> => {
  const results: MessageResult[] = new Array(outcomes.length);
  const byGuid = new Map<string, { index: number; event: TrackingEvent }[]>();
  outcomes.forEach((o, index) => {
    if (!o.ok) results[index] = o.code === 'validation_failed' ? { status: 400, violations: o.violations } : { status: 413, detail: o.message };
    else if (!seesGuid(principal, o.event.guid)) results[index] = { status: 404, guid: o.event.guid };
    else byGuid.set(o.event.guid, [...(byGuid.get(o.event.guid) ?? []), { index, event: o.event }]);
  });
  if (byGuid.size === 0) return results;
  touched(...byGuid.keys());
  const groups = [...byGuid.entries()];
  const started = process.hrtime.bigint();
  const answers = await http.commit.submit(groups.map(([guid, items]) => [guid, items.map((x) => x.event)] as const));
  http.metrics.appendSeconds.observe({ route: 'segment' }, Number(process.hrtime.bigint() - started) / 1e9);
  http.metrics.appendEvents.observe({ route: 'segment' }, groups.reduce((n, [, items]) => n + items.length, 0));
  groups.forEach(([guid, items], g) => {
    items.forEach((x, k) => {
      const a = answers[g]![k]!;
      if (a.status === 503 && k === 0) deps.logger.warn({ err: a.cause, guid }, 'append failed');
      results[x.index] = a.status === 503 ? { status: 503, guid } : a;
    });
  });
  return results;
};
