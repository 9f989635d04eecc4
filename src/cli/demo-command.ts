// `threadline demo --journeys N --conversations M`: demo journeys and conversations through the command side.
import { issueGuid, journeyCommands, openConversation } from '../application/journeys/index.ts';
import { idleEventId } from '../domain/conversations/index.ts';
import { parseConversation, parseLogEvent, toTrackingEvent } from '../domain/journeys/index.ts';
import type { Parsed } from '../domain/shared/violation.ts';
import type { CommandStore } from '../eventstore/index.ts';
import { DEMO_KINDS, isOpenAtEnd, kindsOf, type DemoKind } from './demo/demo-conversation-kinds.ts';
import { demoContext } from './demo/demo-context.ts';
import { demoConversation } from './demo/demo-conversations.ts';
import { demoJourney, seededRandom } from './demo/demo-journeys.ts';

export interface DemoOptions {
  journeys: number;
  seed: number;
  concurrency: number;
  prefix: string;
  start?: Date;
  onProgress?: (done: number, total: number) => void;
}

export const createDemoJourneys = async (store: CommandStore, o: DemoOptions): Promise<string[]> => {
  const rnd = seededRandom(o.seed);
  const start = o.start ?? new Date(Date.now() - 45 * 24 * 3_600_000);
  const guids: string[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < o.journeys) {
      const index = next++;
      const j = demoJourney(rnd, index, start);
      const issued = await issueGuid(store, {
        prefix: o.prefix,
        vin: j.vin,
        dealer_code: j.dealer_code,
        customer_id: j.customer_id,
        risk_event: j.risk_event,
        idempotencyKey: null,
        now: j.created_at,
      });
      if (!issued.ok) throw new Error(issued.error.message);
      const receivedAt = j.events.at(-1)!.occurred_at;
      // One append per journey: batching per stream is the throughput lever.
      const outcome = await journeyCommands.execute(store, issued.guid, {
        type: 'LogEvents',
        data: {
          events: j.events.map((e, k) => ({
            ...e,
            // Deterministic ids: running the same seed again stores nothing twice.
            event_id: `demo-${o.seed}-${index}-${k}`,
            guid: issued.guid,
            received_at: receivedAt,
            dealer_code: j.dealer_code,
            session_id: null,
            user_id: e.actor.type === 'human' ? (e.actor.id ?? null) : null,
          })),
        },
      });
      if (!outcome.ok) throw new Error(outcome.error.message);
      guids[index] = issued.guid;
      o.onProgress?.(++done, o.journeys);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  return guids;
};

export interface DemoConversationOptions {
  conversations: number;
  seed: number;
  concurrency: number;
  prefix: string;
  /** Conversations start over the `days` before `end` (default: the last 28 days up to now). */
  end?: Date;
  days?: number;
  /** Outreach journeys some conversations continue (`parent_guid`). */
  parents?: readonly string[];
  /** Conversations whose events go in one transaction (default 10: fewer, larger commits). */
  batch?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface DemoConversationsResult {
  guids: string[];
  events: number;
  kinds: Record<DemoKind, number>;
  /** Neither resolved, closed nor expired at `end`. */
  open: number;
}

/** A violation means the generator is wrong: the demo goes through the API's own validation, and stores nothing else. */
const valid = <T>(parsed: Parsed<T>, what: string): T => {
  if (!parsed.ok) throw new Error(`demo ${what} rejected: ${JSON.stringify(parsed.violations)}`);
  return parsed.value;
};

/** `threadline demo --conversations N`: N conversations (demo-conversations.ts), each opened, then its events in one append. */
export const createDemoConversations = async (store: CommandStore, o: DemoConversationOptions): Promise<DemoConversationsResult> => {
  const ctx = demoContext({ end: o.end ?? new Date(), days: o.days ?? 28, parents: o.parents ?? [] });
  const bounds = { now: new Date(Math.max(Date.now(), ctx.end)), maxFutureSkewMs: 0 };
  const result: DemoConversationsResult = { guids: [], events: 0, kinds: Object.fromEntries(DEMO_KINDS.map((k) => [k, 0])) as Record<DemoKind, number>, open: 0 };
  /** Opens conversation `index` and answers its events, validated as the API would. */
  const open = async (index: number) => {
    const c = demoConversation(o.seed, index, ctx);
    const opening = valid(parseConversation(c.opening, bounds), `conversation ${index}`);
    const opened = await openConversation(store, {
      prefix: o.prefix,
      channel: opening.channel,
      dealer_code: opening.dealer_code,
      customer_id: opening.customer_id ?? null,
      started_at: opening.started_at ?? null,
      platform: opening.platform ?? null,
      parent_guid: opening.parent_guid ?? null,
      categories: opening.categories ?? null,
      idempotencyKey: null,
      now: new Date(c.opening.started_at),
    });
    if (!opened.ok) throw new Error(opened.error.message);
    const events = c.events.map((e, k) => {
      // An expiry carries the id the TTL worker would give the same idle period, so the two can never both write one.
      const event_id = e.event_type === 'SESSION_EXPIRED' ? idleEventId(opened.guid, String(e.details['state']), Date.parse(e.occurred_at) - Number(e.details['idle_seconds']) * 1000) : `demo-${o.seed}-${index}-${k}`;
      const body = { ...e, guid: opened.guid, event_id, dealer_code: opening.dealer_code, ...(e.actor.type === 'human' ? { user_id: e.actor.id } : {}) };
      // Chat events arrive as they happen.
      return toTrackingEvent(valid(parseLogEvent(body, bounds), `event ${index}/${k}`), e.occurred_at, () => body.event_id);
    });
    result.guids[index] = opened.guid;
    result.events += events.length;
    for (const k of kindsOf(c)) result.kinds[k]++;
    if (isOpenAtEnd(c)) result.open++;
    return { id: opened.guid, command: { type: 'LogEvents' as const, data: { events } } };
  };
  const batch = Math.max(1, o.batch ?? 10);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < o.conversations) {
      const from = next;
      next = Math.min(o.conversations, next + batch);
      const requests = await Promise.all(Array.from({ length: next - from }, (_, k) => open(from + k)));
      // Each conversation's events in one append; a batch of conversations in one transaction where the store has it.
      for (const outcome of await journeyCommands.executeMany(store, requests)) if (!outcome.ok) throw new Error(outcome.error.message);
      done += requests.length;
      o.onProgress?.(done, o.conversations);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  return result;
};
